import Split
import Testing

/// Every kind of finding is described once: the checks' and the split languages' ids never collide, and
/// each has a summary and a rationale (`modsplit rules` and SARIF's rule table print them). The test
/// helpers (`Analyse`) refuse any analysis with a kind nobody describes.
@Suite struct FindingKindTests {
    @Test("ids are unique across checks and split languages, each with a summary and a rationale")
    func uniqueAndDescribed() {
        let ids = FindingKinds.all.map(\.id)
        #expect(Set(ids).count == ids.count, "\(ids.filter { id in ids.count { $0 == id } > 1 })")
        for k in FindingKinds.all {
            #expect(!k.summary.isEmpty && !k.rationale.isEmpty, "\(k.id)")
        }
    }
}
