import Foundation

/// Where and how an ``AMQPConnection`` connects to the broker.
///
/// Usually built from a URL such as `amqp://salesdesk:secret@127.0.0.1:5673/salesdesk`
/// (the `AMQP_URL` setting); every field stays writable so a caller can, for example, give each of its
/// connections its own ``connectionName``.
public struct AMQPConfiguration: Sendable, Equatable {
    /// The broker's host name or address.
    public var host: String
    /// The broker's AMQP port.
    public var port: Int
    /// The virtual host, already percent-decoded (`/` for the default one).
    public var vhost: String
    /// The user to log in as.
    public var username: String
    /// The user's password.
    public var password: String
    /// The heartbeat interval proposed to the broker, in seconds; a dead peer is noticed after about twice this.
    public var heartbeatSeconds: Int
    /// Shown by the broker (management UI, `rabbitmqctl list_connections client_properties`) to identify the client.
    public var connectionName: String

    /// Creates a configuration from its parts.
    /// - Parameters:
    ///   - host: the broker's host.
    ///   - port: the broker's AMQP port.
    ///   - vhost: the virtual host, not percent-encoded.
    ///   - username: the user to log in as.
    ///   - password: the user's password.
    ///   - heartbeatSeconds: the heartbeat interval in seconds.
    ///   - connectionName: the name the broker shows for this connection.
    public init(
        host: String,
        port: Int = 5672,
        vhost: String = "/",
        username: String = "guest",
        password: String = "guest",
        heartbeatSeconds: Int = 10,
        connectionName: String = "salesdesk"
    ) {
        self.host = host
        self.port = port
        self.vhost = vhost
        self.username = username
        self.password = password
        self.heartbeatSeconds = heartbeatSeconds
        self.connectionName = connectionName
    }

    /// Parses an `amqp://user:pass@host:port/vhost` URL.
    ///
    /// The port defaults to 5672 and the vhost to `/`; the vhost is percent-decoded, so `%2f` names the default vhost.
    /// - Parameters:
    ///   - url: the broker URL.
    ///   - connectionName: the name the broker shows for this connection.
    /// - Throws: ``AMQPError/invalidURL(_:)`` naming what is wrong with the URL.
    public init(url: String, connectionName: String = "salesdesk") throws(AMQPError) {
        guard let components = URLComponents(string: url) else { throw .invalidURL("'\(Self.redacted(url))' is not a URL") }
        guard let scheme = components.scheme?.lowercased() else { throw .invalidURL("'\(Self.redacted(url))' has no scheme; expected amqp://") }
        guard scheme == "amqp" else {
            throw .invalidURL("scheme '\(scheme)' is not supported; expected amqp:// (TLS is not available)")
        }
        guard let host = components.host, !host.isEmpty else { throw .invalidURL("'\(Self.redacted(url))' has no host") }
        let port = components.port ?? 5672
        guard (1...65535).contains(port) else { throw .invalidURL("port \(port) is out of range 1…65535") }
        var vhost = "/"
        let encodedPath = components.percentEncodedPath
        if encodedPath.count > 1 {
            let encodedVhost = String(encodedPath.dropFirst())
            guard !encodedVhost.contains("/") else {
                throw .invalidURL("vhost '\(encodedVhost)' contains '/'; percent-encode it (e.g. %2f for the default vhost)")
            }
            guard let decoded = encodedVhost.removingPercentEncoding else {
                throw .invalidURL("vhost '\(encodedVhost)' is not valid percent-encoding")
            }
            vhost = decoded
        }
        self.init(
            host: host,
            port: port,
            vhost: vhost,
            username: components.user ?? "guest",
            password: components.password ?? "guest",
            connectionName: connectionName
        )
    }

    /// The URL without its password, fit for logs and error messages.
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }
}
