import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// Counts the requests of the public (no-login) routes — the customer's self-service page — per client address and
/// per token, in fixed one-minute windows, in this gateway's memory.
///
/// In memory on purpose (docs/adr/0008-customer-portal.md): the limit only has to keep a guesser or a runaway script
/// from hammering the page; each gateway replica counting on its own multiplies the limit by the number of replicas,
/// which is still far below what a token guess would need (256-bit tokens). A restart forgets the counts.
final class PublicRateLimiter: Sendable {
    /// Requests allowed per key and window.
    let limit: Int
    let window: TimeInterval
    private let counts = Mutex<State>(State())

    private struct State {
        var windowStart: TimeInterval = 0
        var counts: [String: Int] = [:]
    }

    init(limit: Int, window: TimeInterval = 60) {
        self.limit = limit
        self.window = window
    }

    /// Counts one request under each of `keys`.
    /// - Returns: `nil` when every key is within the limit; otherwise the seconds until the window ends (the request
    ///   is still counted, so a client that keeps going stays limited until the window turns).
    func take(_ keys: [String], now: Date = Date()) -> Int? {
        counts.withLock { state in
            let time = now.timeIntervalSince1970
            let start = (time / window).rounded(.down) * window
            if start != state.windowStart {
                state.windowStart = start
                state.counts.removeAll(keepingCapacity: true)
            }
            var exceeded = false
            for key in keys {
                let count = state.counts[key, default: 0] + 1
                state.counts[key] = count
                if count > limit { exceeded = true }
            }
            return exceeded ? max(1, Int((start + window - time).rounded(.up))) : nil
        }
    }
}

/// Applies a ``PublicRateLimiter`` to the public routes: past the limit, 429 problem+json with `Retry-After`.
struct PublicRateLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let limiter: PublicRateLimiter
    /// The client's address, when the context knows it.
    let address: @Sendable (Context) -> String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var keys = ["address:\(address(context) ?? "unknown")"]
        // `/api/v1/public/portal/<token>/…`: the token is the path segment after `portal`.
        let segments = request.uri.path.split(separator: "/")
        if let index = segments.firstIndex(of: "portal"), index + 1 < segments.count {
            keys.append("token:\(segments[index + 1])")
        }
        if let retryAfter = limiter.take(keys) {
            let problem = Problem(
                title: "Too many requests",
                status: 429,
                detail: "Too many requests to this page; try again in \(retryAfter) seconds."
            )
            var response = ProblemResponse.make(problem)
            response.headers[.retryAfter] = String(retryAfter)
            return response
        }
        return try await next(request, context)
    }
}
