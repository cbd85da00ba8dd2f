import Admin
import ArgumentParser
import Testing

@Suite("salesdesk-admin")
struct VersionCommandTests {
    @Test("the root command parses its subcommands and refuses an unknown one")
    func parsesSubcommands() throws {
        let command = try SalesDeskAdmin.parseAsRoot(["version"])
        #expect(command is Version)
        #expect(throws: (any Error).self) { try SalesDeskAdmin.parseAsRoot(["no-such-command"]) }
    }
}
