import AMQP
import Contracts
public import Foundation
import Hummingbird
import Logging
public import ServiceRuntime

/// The `gateway`: the HTTP API `/api/v1`, each call an AMQP RPC to the service that owns the data.
public enum GatewayService {
    /// Service name and schema.
    public static let name = "gateway"
    /// The API port unless `HTTP_PORT` says otherwise.
    public static let defaultHTTPPort = 8080
    /// The SQL migrations shipped with the service.
    public static var migrationsDirectory: URL? { Bundle.module.url(forResource: "Migrations", withExtension: nil) }

    /// What the gateway adds to the common runtime: the RPC client and the API routes.
    public static func parts(_ context: ServiceContext) throws -> ServiceParts {
        let timeoutMS = try context.configuration.int("rpc.timeout.ms", default: 5000, in: 100...120_000)
        var rpcConfiguration = context.amqpConfiguration
        rpcConfiguration.connectionName = "gateway-rpc"
        let client = AMQPRPCClient(configuration: rpcConfiguration, topology: SalesDeskTopology.exchanges, logger: context.logger)
        let forwarder = RPCForwarder(client: client, timeout: .milliseconds(timeoutMS), logger: context.logger)
        return ServiceParts(
            services: [client],
            routes: { router in
                router.add(middleware: ProblemMiddleware())
                router.get("/openapi.yaml") { _, _ in
                    Response(
                        status: .ok,
                        headers: [.contentType: "application/yaml"],
                        body: .init(byteBuffer: .init(string: OpenAPIDocument.yaml))
                    )
                }
                let api = router.group("api/v1")
                CustomerRoutes(forwarder: forwarder).add(to: api)
                ReportRoutes(forwarder: forwarder).add(to: api)
            },
            readiness: [ReadinessCheck(name: "rpc") { client.isConnected }]
        )
    }
}
