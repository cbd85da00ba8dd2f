public import Hummingbird
public import NIOCore

/// The request context of every service's HTTP port: Hummingbird's basic context plus the peer's socket address.
///
/// The gateway keys login lockout by client address, which only the channel knows; ``BasicRequestContext`` drops
/// it. Routes that need more (the gateway's caller identity) derive a `ChildRequestContext` from this one.
public struct ServiceRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connected client's address (the socket peer, not `X-Forwarded-For`); `nil` in router-only tests.
    public let remoteAddress: SocketAddress?

    /// Creates the context for a request arriving on `source.channel`.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
