import AMQP
import Contracts
import Foundation
import Logging
import ServiceRuntime
import Testing

/// The RPC server's watchdog: an operation that never finishes (here, one that ignores cancellation, as a query on a
/// connection that stopped answering does) is answered 504 once its deadline and grace have passed, so it cannot hold
/// the consumer's slot forever.
@Suite("RPC watchdog", .timeLimit(.minutes(1)))
struct RPCWatchdogTests {
    static let key = try! RPCIdentityKey(secret: String(repeating: "w", count: 40))

    @Test("an operation still running after its deadline and grace is abandoned and answered 504")
    func wedgedOperationIsAnswered() async throws {
        var router = RPCRouter()
        let stuck = AsyncStream<Never>.makeStream()
        router.on("test.stuck") { _ in
            // Never returns and ignores cancellation.
            await withTaskCancellationHandler {
                for await _ in stuck.stream {}
            } onCancel: {
            }
            return RPCResponse(status: 200, body: [])
        }
        var headers = CallerIdentity(userID: "rep-1", role: .rep, region: "east-china").headers
        let deadline = Date().addingTimeInterval(0.2)
        headers[RPC.Header.deadline] = String(Int64(deadline.timeIntervalSince1970 * 1000))
        SignedIdentity.sign(&headers, operation: "test.stuck", expires: deadline.addingTimeInterval(30), key: Self.key)
        let delivery = AMQPDelivery(message: AMQPMessage(body: [], type: "test.stuck", headers: headers), routingKey: "test.rpc")
        let reply = RPCResponse(reply: await router.handle(delivery: delivery, identityKey: Self.key, logger: Logger(label: "test.watchdog")))
        #expect(reply.status == 504)
        stuck.continuation.finish()
    }
}
