// Replays every file of Fuzz/corpus/<Target>/ through the function its fuzzer runs (FuzzHarness), so an
// input that once crashed or broke a round trip, kept in the corpus, stays fixed.

import Foundation
import FuzzHarness
import Testing

@Suite struct FuzzCorpusTests {
    /// Fuzz/corpus, found from this file's path (Tests/FuzzCorpusTests/ -> package root).
    static let corpusRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/corpus")

    static func inputs(of target: FuzzTarget) throws -> [(name: String, bytes: [UInt8])] {
        let directory = corpusRoot.appendingPathComponent(target.rawValue)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        return try names.filter { !$0.hasPrefix(".") }.map { name in
            (name, Array(try Data(contentsOf: directory.appendingPathComponent(name))))
        }
    }

    @Test(arguments: FuzzTarget.allCases)
    func corpusReplays(target: FuzzTarget) throws {
        let inputs = try Self.inputs(of: target)
        #expect(inputs.count >= 10, "the seed corpus of \(target.rawValue) is missing or thin")
        for input in inputs {
            do {
                try target.run(input.bytes)
            } catch {
                Issue.record("\(target.rawValue)/\(input.name): \(error.description)")
            }
        }
    }

    @Test func everyTargetHasACorpusDirectory() throws {
        let directories = try FileManager.default.contentsOfDirectory(atPath: Self.corpusRoot.path)
        #expect(Set(directories).isSuperset(of: FuzzTarget.allCases.map(\.rawValue)))
    }
}
