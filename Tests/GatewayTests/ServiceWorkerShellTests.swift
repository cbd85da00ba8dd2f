import Foundation
import Testing

/// The service worker keeps the app's files on the phone for offline starts, by a list written in `sw.js`: a file
/// added to the app but not to the list would be missing the first time a rep opens that screen without signal.
@Suite("Web app service worker")
struct ServiceWorkerShellTests {
    static let web = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Services/Gateway/Web").standardized

    @Test("sw.js precaches every file of the web app, and nothing that does not exist")
    func shellListsEveryFile() throws {
        let script = try String(contentsOf: Self.web.appendingPathComponent("sw.js"), encoding: .utf8)
        let list = try #require(script.range(of: "const SHELL = [").map { script[$0.upperBound...] }?.split(separator: "]").first)
        let listed = Set(list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines.union(["'"])) }.filter { !$0.isEmpty })
        var files = Set<String>()
        let enumerator = try #require(FileManager.default.enumerator(at: Self.web, includingPropertiesForKeys: [.isRegularFileKey]))
        for case let url as URL in enumerator where (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
            let path = String(url.standardized.path.dropFirst(Self.web.path.count))
            if path != "/sw.js" { files.insert(path) }
        }
        #expect(files.count > 40)
        #expect(files.subtracting(listed).sorted() == [], "files of the app missing from sw.js's SHELL")
        #expect(listed.subtracting(files).sorted() == [], "SHELL entries that are not files of the app")
    }
}
