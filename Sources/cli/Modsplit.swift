import ArgumentParser
import ELFScan
import Foundation
import Graph

/// `modsplit`: options mapped to a request of Split (`SplitAnalysis` and its kin), the result rendered by
/// Reports, and the exit status its findings call for.
@main
struct Modsplit: ParsableCommand {
    static let version = "0.1.0"
    /// What the scan cache is keyed by: a new build of modsplit (another binary) may read modules
    /// differently, so its version and the binary's size and time both invalidate the cache.
    static let cacheVersion: String =
        RunningProcess.binaryStamp(argument0: CommandLine.arguments.first).map { "\(version)+\($0)" } ?? version

    static let configuration = CommandConfiguration(
        commandName: "modsplit",
        abstract: "Static analysis of Linux kernel module trees and their packaging splits.",
        version: version,
        subcommands: [
            Scan.self, Check.self, Place.self, Explain.self, Rules.self, Export.self, Deps.self, Why.self,
            SymbolInfo.self, Diff.self, Report.self, Minimize.self, Cache.self,
        ])

    /// Exit status: 0 success, 1 findings of error severity, 2 unusable input or bad usage.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let failure as UsageFailure {
            FileHandle.standardError.write(Data("modsplit: \(oneLine(failure.message))\n".utf8))
            Foundation.exit(2)
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                // --help and --version.
                Self.exit(withError: error)
            }
            // ArgumentParser's message starts "Error: " and goes on with the usage; one line is enough.
            var message = fullMessage(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            if message.hasPrefix("Error: ") { message.removeFirst("Error: ".count) }
            FileHandle.standardError.write(Data("modsplit: \(oneLine(message))\n".utf8))
            Foundation.exit(2)
        }
    }

    /// A message for stderr: it quotes rules files, flags and file names, so it is cleaned of control characters
    /// (no escape sequence reaches the terminal or a CI log) and cut to a readable length (a 1 MB pattern
    /// quoted whole is no clear line).
    static func oneLine(_ message: String) -> String {
        let clean = Display.sanitized(message)
        guard clean.count > maxMessageCharacters else { return clean }
        return String(clean.prefix(maxMessageCharacters)) + "… (\(clean.count - maxMessageCharacters) characters more)"
    }

    static let maxMessageCharacters = 2000
}

/// Input modsplit cannot use at all: reported on one line of stderr, exit status 2.
struct UsageFailure: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
