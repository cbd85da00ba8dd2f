public import Foundation

/// A RabbitMQ node of one test's own: its own node name, AMQP and distribution ports and data folder, provisioned like
/// the local node (user `salesdesk` and the per-service users, from deploy/rabbitmq/definitions.json).
///
/// A disruptive test may restart it without touching the node the other tests share. Debian's `/usr/sbin` wrappers run
/// the server and `rabbitmqctl` as the `rabbitmq` user, so both share that user's Erlang cookie.
public final class PrivateRabbitMQ: Sendable {
    /// The AMQP port on 127.0.0.1.
    public let port: Int
    /// The Erlang distribution port (`rabbitmqctl` talks to the node through it).
    public let distributionPort: Int
    /// The node name, e.g. `soak1a2b3c@localhost`.
    public let nodeName: String
    /// The folder holding the node's data and logs.
    public let baseDirectory: String

    /// The URL of user `salesdesk` (full rights on every vhost a ``SalesDeskSystem`` creates) on vhost `salesdesk`.
    public var amqpURL: String { "amqp://salesdesk:salesdesk-local@127.0.0.1:\(port)/salesdesk" }

    /// The command line that controls this node, as `SALESDESK_TEST_RABBITMQCTL` names the shared node's.
    public var rabbitmqctlCommandLine: String {
        "env RABBITMQ_NODENAME=\(nodeName) RABBITMQ_NODE_PORT=\(port) RABBITMQ_DIST_PORT=\(distributionPort) /usr/sbin/rabbitmqctl"
    }

    /// Where a ``SalesDeskSystem`` finds this node.
    public var broker: SalesDeskSystem.Broker { .init(amqpURL: amqpURL, rabbitmqctl: rabbitmqctlCommandLine) }

    /// Creates, starts and provisions a new node; returns once it accepts connections.
    public static func start() throws -> PrivateRabbitMQ {
        let node = try PrivateRabbitMQ()
        do {
            try node.prepareFolders()
            try node.startNode()
            try node.provision()
        } catch {
            node.destroy()
            throw error
        }
        return node
    }

    private init() throws {
        let suffix = TestEnvironment.uniqueSuffix()
        port = try freePort()
        var distribution = try freePort()
        while distribution == port { distribution = try freePort() }
        distributionPort = distribution
        nodeName = "sd\(suffix)@localhost"
        baseDirectory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("salesdesk-rmq-\(suffix)").path
    }

    private var environment: String {
        [
            "RABBITMQ_NODENAME=\(nodeName)", "RABBITMQ_NODE_PORT=\(port)", "RABBITMQ_NODE_IP_ADDRESS=127.0.0.1",
            "RABBITMQ_DIST_PORT=\(distributionPort)", "RABBITMQ_MNESIA_BASE=\(baseDirectory)/mnesia",
            "RABBITMQ_LOG_BASE=\(baseDirectory)/log", "RABBITMQ_ENABLED_PLUGINS_FILE=\(baseDirectory)/enabled_plugins",
        ].joined(separator: " ")
    }

    private func prepareFolders() throws {
        try TestEnvironment.shell("mkdir -p '\(baseDirectory)/mnesia' '\(baseDirectory)/log' && echo '[].' > '\(baseDirectory)/enabled_plugins'")
        if geteuid() == 0 { try TestEnvironment.shell("chown -R rabbitmq:rabbitmq '\(baseDirectory)'") }
    }

    /// Runs `rabbitmqctl` on this node and returns its output; throws when it fails.
    @discardableResult
    public func rabbitmqctl(_ arguments: String...) throws -> String {
        let quoted = arguments.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        return try TestEnvironment.shell("\(rabbitmqctlCommandLine) \(quoted)")
    }

    private func startNode() throws {
        // The daemon would inherit our descriptors, and Foundation sees a child end only once every copy of its pipe is
        // closed: the shell closes all but 0–2 first and the output goes to a file (as PrivatePostgres's pg_ctl does).
        let closeInherited = #"for fd in /proc/$$/fd/*; do n=${fd##*/}; if [ "$n" -gt 2 ]; then eval "exec $n>&-" 2>/dev/null; fi; done; "#
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [
            "-c",
            closeInherited
                + "cd / && env \(environment) setsid -w /usr/sbin/rabbitmq-server -detached >>'\(baseDirectory)/startup.log' 2>&1 </dev/null",
        ]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ShellFailure(commandLine: "rabbitmq-server -detached", status: process.terminationStatus, output: logTail())
        }
        // await_startup exits at once until the node has registered with epmd: loop with a deadline.
        let deadline = Date().addingTimeInterval(120)
        while true {
            if (try? rabbitmqctl("-q", "await_startup", "--timeout", "60")) != nil { return }
            guard Date() < deadline else { throw ShellFailure(commandLine: "rabbitmqctl await_startup", status: 1, output: logTail()) }
            usleep(500_000)
        }
    }

    /// One `import_definitions` of deploy/rabbitmq/definitions.json (user `salesdesk` and the per-service users with
    /// their local passwords, vhost `salesdesk`): one CLI call instead of the two dozen of deploy/rabbitmq/service-users,
    /// each of which starts an Erlang VM.
    private func provision() throws {
        let definitions = URL(fileURLWithPath: SalesDeskSystem.repositoryRoot).appendingPathComponent("deploy/rabbitmq/definitions.json").path
        // The CLI reads the file as the rabbitmq user: give it a copy in the node's own folder.
        let copy = "\(baseDirectory)/definitions.json"
        try TestEnvironment.shell("cp '\(definitions)' '\(copy)'" + (geteuid() == 0 ? " && chown rabbitmq:rabbitmq '\(copy)'" : ""))
        try rabbitmqctl("-q", "import_definitions", copy)
    }

    /// Restarts the broker (`rabbitmqctl stop_app`, then `start_app`; the Erlang VM stays up): every connection drops,
    /// durable queues and persistent messages come back. Returns once the broker accepts connections again.
    public func restart() throws {
        try rabbitmqctl("-q", "stop_app")
        try rabbitmqctl("-q", "start_app")
        try rabbitmqctl("-q", "await_startup", "--timeout", "60")
    }

    /// The end of the node's log, for failure messages.
    public func logTail() -> String {
        let startup = (try? String(contentsOfFile: "\(baseDirectory)/startup.log", encoding: .utf8)) ?? ""
        let node = (try? String(contentsOfFile: "\(baseDirectory)/log/\(nodeName).log", encoding: .utf8)) ?? ""
        return String((startup + "\n" + node).suffix(3000))
    }

    /// Stops the node if it runs and deletes its folder.
    public func destroy() {
        _ = try? rabbitmqctl("-q", "shutdown")
        _ = try? TestEnvironment.shell("rm -rf '\(baseDirectory)'")
    }
}
