import Logging
import PostgresNIO
import ServiceRuntime

extension CustomersService {
    /// Registers the visit-photo operations (issue 10), their bytes in the PostgreSQL ``PhotoStore`` (ADR 0007).
    static func addPhotoOperations(
        to router: inout RPCRouter,
        postgres: PostgresClient,
        customers: any CustomerRepository,
        visits: any VisitRepository,
        logger: Logger
    ) {
        let photos = VisitPhotoRepository(logger: logger)
        let store = PostgresPhotoStore(logger: logger)
        router.on(
            AddVisitPhotoHandler.operation,
            AddVisitPhotoHandler(postgres: postgres, customers: customers, visits: visits, photos: photos, store: store, logger: logger)
                .callAsFunction
        )
        router.on(
            ListVisitPhotosHandler.operation,
            ListVisitPhotosHandler(postgres: postgres, visits: visits, photos: photos, logger: logger).callAsFunction
        )
        router.on(
            GetPhotoHandler.operation,
            GetPhotoHandler(postgres: postgres, visits: visits, photos: photos, store: store, logger: logger).callAsFunction
        )
    }
}
