// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// Each service is a library (its domain, operations, repositories, migrations) plus a thin executable
/// whose `@main` only reads configuration and runs; tests import the library.
let services = ["Gateway", "Customers", "Deals", "Approvals", "Notifications", "Reporting"]

/// Dependencies only one service needs.
let extraDependencies: [String: [Target.Dependency]] = [
    "Gateway": [
        // The HTTP request's span (issue 13).
        "Telemetry",
        .product(name: "JWTKit", package: "jwt-kit"),
        .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
        .product(name: "Yams", package: "Yams"),
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        // Customer export: CSV rows and the XLSX workbook's zip.
        .product(name: "CSV", package: "CSV.swift"),
        .product(name: "ZIPFoundation", package: "ZIPFoundation"),
    ],
    // Customer import: CSV and XLSX (a zip of XML parts, read with FoundationXML's SAX parser).
    "Customers": [
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "CSV", package: "CSV.swift"),
        .product(name: "ZIPFoundation", package: "ZIPFoundation"),
    ],
    // The customer portal's QR code (issue 11): libqrencode from Debian.
    "Deals": ["CQRencode"],
    "Notifications": [
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        // Webhook signatures (issue 12): HMAC-SHA256.
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
    ],
]

let package = Package(
    name: "SalesDesk",
    platforms: [.macOS(.v15)],
    products: services.map { .executable(name: $0.lowercased(), targets: ["\($0)Main"]) }
        + [
            .executable(name: "salesdesk-rpc-bench", targets: ["RPCBench"]),
            .executable(name: "salesdesk-soak", targets: ["SoakMain"]),
            .executable(name: "salesdesk-admin", targets: ["AdminMain"]),
        ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // Already resolved through jwt-kit (which needs 4.1 or later); ServiceRuntime signs RPC identities with it.
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        // Customer import and export (issue 10).
        .package(url: "https://github.com/yaslab/CSV.swift", exact: "2.5.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", exact: "0.9.20"),
        // The operator CLI `salesdesk-admin` (issue 13).
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // Span export over OTLP (issue 13): only the OTLP/HTTP exporter, not gRPC's (a second HTTP/2 stack to build).
        .package(url: "https://github.com/swift-otel/swift-otel", from: "1.6.0", traits: ["OTLPHTTP"]),
        // The tracing API the spans are written against (already resolved through Hummingbird and async-http-client).
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
    ],
    targets: [
        // MARK: Shared libraries
        .systemLibrary(
            name: "CRabbitMQ",
            path: "Shared/CRabbitMQ",
            pkgConfig: "librabbitmq",
            providers: [.apt(["librabbitmq-dev"])]
        ),
        // The customer portal's QR code (issue 11): a system library like rabbitmq-c (see docs/adr/0008-customer-portal.md).
        .systemLibrary(
            name: "CQRencode",
            path: "Shared/CQRencode",
            pkgConfig: "libqrencode",
            providers: [.apt(["libqrencode-dev"])]
        ),
        .target(
            name: "AMQP",
            dependencies: [
                "CRabbitMQ",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/AMQP",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Contracts",
            dependencies: [],
            path: "Shared/Contracts",
            swiftSettings: swiftSettings
        ),
        // Spans (issue 13): one place that starts them and keeps ``TraceContext`` in step with them.
        .target(
            name: "Telemetry",
            dependencies: [
                "Contracts",
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            path: "Shared/Telemetry",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Persistence",
            dependencies: [
                "Contracts", "Telemetry",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/Persistence",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ServiceRuntime",
            dependencies: [
                "AMQP", "Contracts", "Persistence", "Telemetry",
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Shared/ServiceRuntime",
            swiftSettings: swiftSettings
        ),
        // MARK: The operator CLI (issue 13): a library of commands, so tests run them in-process, and a thin executable.
        .target(
            name: "Admin",
            dependencies: [
                "AMQP", "Contracts", "Persistence", "ServiceRuntime",
                "Gateway", "Customers", "Deals", "Approvals", "Notifications", "Reporting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            path: "Tools/Admin",
            exclude: ["Main"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "AdminMain",
            dependencies: ["Admin", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Tools/Admin/Main",
            swiftSettings: swiftSettings
        ),
        // MARK: Benchmarks
        .executableTarget(
            name: "RPCBench",
            dependencies: ["AMQP", .product(name: "Logging", package: "swift-log")],
            path: "benchmarks/RPCBench",
            swiftSettings: swiftSettings
        ),
        // MARK: The soak (issue 14): one engine for benchmarks/soak (ten minutes) and SoakDisruptiveTests (two).
        .target(
            name: "Soak",
            dependencies: [
                "AMQP", "Contracts", "ServiceRuntime", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "benchmarks/Soak",
            exclude: ["Main"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "SoakMain",
            dependencies: ["Soak", .product(name: "Logging", package: "swift-log")],
            path: "benchmarks/Soak/Main",
            swiftSettings: swiftSettings
        ),
        // MARK: Test support
        .target(
            name: "TestSupport",
            dependencies: [
                "AMQP", "Contracts", "Persistence", "ServiceRuntime",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/Support",
            swiftSettings: swiftSettings
        ),
    ]
        // MARK: Services
        + services.flatMap { name in
            [
                Target.target(
                    name: name,
                    dependencies: [
                        "AMQP", "Contracts", "Persistence", "ServiceRuntime",
                        .product(name: "Hummingbird", package: "hummingbird"),
                        .product(name: "PostgresNIO", package: "postgres-nio"),
                        .product(name: "Logging", package: "swift-log"),
                        .product(name: "Metrics", package: "swift-metrics"),
                        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                        .product(name: "NIOCore", package: "swift-nio"),
                        .product(name: "HTTPTypes", package: "swift-http-types"),
                    ] + extraDependencies[name, default: []],
                    path: "Services/\(name)",
                    exclude: ["Main"],
                    resources: [.copy("Migrations")] + (name == "Gateway" ? [.copy("openapi.yaml"), .copy("Web")] : []),
                    swiftSettings: swiftSettings
                ),
                Target.executableTarget(
                    name: "\(name)Main",
                    dependencies: [.byName(name: name), "ServiceRuntime"],
                    path: "Services/\(name)/Main",
                    swiftSettings: swiftSettings
                ),
            ]
        }
        // MARK: Tests
        + [
            .testTarget(
                name: "AMQPTests",
                dependencies: ["AMQP", "TestSupport"],
                swiftSettings: swiftSettings
            ),
            .testTarget(
                name: "PersistenceTests",
                dependencies: [
                    "Persistence", "ServiceRuntime", "AMQP", "Contracts", "TestSupport", "Telemetry",
                    .product(name: "PostgresNIO", package: "postgres-nio"),
                ],
                swiftSettings: swiftSettings
            ),
            .testTarget(
                name: "CustomersTests",
                dependencies: [
                    "Customers", "Contracts", "TestSupport", "ServiceRuntime", "AMQP", "Persistence", "Notifications",
                    .product(name: "PostgresNIO", package: "postgres-nio"),
                ],
                swiftSettings: swiftSettings
            ),
            .testTarget(
                name: "DealsTests",
                dependencies: [
                    "Deals", "Customers", "AMQP", "Contracts", "TestSupport", "ServiceRuntime", "Persistence",
                    .product(name: "PostgresNIO", package: "postgres-nio"),
                ],
                swiftSettings: swiftSettings
            ),
            .testTarget(
                name: "ApprovalsTests",
                dependencies: [
                    "Approvals", "Contracts", "TestSupport", "ServiceRuntime", "Persistence",
                    .product(name: "PostgresNIO", package: "postgres-nio"),
                ],
                swiftSettings: swiftSettings
            ),
            .testTarget(
                name: "NotificationsTests",
                dependencies: [
                    "Notifications", "Contracts", "TestSupport", "ServiceRuntime", "Persistence",
                    .product(name: "PostgresNIO", package: "postgres-nio"),
                    .product(name: "HTTPTypes", package: "swift-http-types"),
                    .product(name: "Hummingbird", package: "hummingbird"),
                    .product(name: "AsyncHTTPClient", package: "async-http-client"),
                ],
                swiftSettings: swiftSettings
            ),
            .testTarget(
                name: "ReportingTests",
                dependencies: [
                    "Reporting", "Contracts", "TestSupport", "ServiceRuntime", "Persistence",
                    .product(name: "PostgresNIO", package: "postgres-nio"),
                ],
                swiftSettings: swiftSettings
            ),
            .testTarget(
                name: "GatewayTests",
                dependencies: [
                    "Gateway", "Contracts", "TestSupport", "ServiceRuntime", "Persistence",
                    "Customers", "Deals", "Approvals", "Notifications", "Reporting",
                    .product(name: "JWTKit", package: "jwt-kit"),
                    .product(name: "Yams", package: "Yams"),
                    .product(name: "Hummingbird", package: "hummingbird"),
                    .product(name: "HummingbirdTesting", package: "hummingbird"),
                ],
                swiftSettings: swiftSettings
            ),
            .testTarget(
                name: "AdminTests",
                dependencies: [
                    "Admin", "AMQP", "Contracts", "Persistence", "ServiceRuntime", "TestSupport",
                    .product(name: "ArgumentParser", package: "swift-argument-parser"),
                    .product(name: "PostgresNIO", package: "postgres-nio"),
                    .product(name: "Logging", package: "swift-log"),
                    .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                ],
                swiftSettings: swiftSettings
            ),
            .testTarget(
                name: "EndToEndTests",
                dependencies: [
                    "AMQP", "Contracts", "Persistence", "ServiceRuntime", "TestSupport", "Deals", "Soak",
                    .product(name: "PostgresNIO", package: "postgres-nio"),
                    .product(name: "Logging", package: "swift-log"),
                    .product(name: "AsyncHTTPClient", package: "async-http-client"),
                ],
                swiftSettings: swiftSettings
            ),
        ]
)
