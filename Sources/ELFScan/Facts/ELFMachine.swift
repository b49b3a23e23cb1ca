/// Names for the `e_machine` values of architectures that build Linux modules.
enum ELFMachine {
    static func name(of machine: UInt16) -> String {
        switch machine {
        case 3: "i386"
        case 8: "mips"
        case 20: "ppc"
        case 21: "ppc64"
        case 22: "s390"
        case 40: "arm"
        case 42: "sh"
        case 43: "sparcv9"
        case 62: "x86_64"
        case 183: "aarch64"
        case 243: "riscv"
        case 258: "loongarch"
        default: "machine-\(machine)"
        }
    }
}
