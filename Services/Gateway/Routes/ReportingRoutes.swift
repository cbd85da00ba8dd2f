import Contracts
import HTTPTypes

/// `/api/v1/reports/*`: forwarded to the reporting service, which applies the caller's data scope.
enum ReportingRoutes {
    static let table: [ForwardedRoute] = [
        .init(.get, "reports/summary", Operation.Reporting.summary),
        .init(.get, "reports/top-reps", Operation.Reporting.topReps),
        .init(.get, "reports/product-line-margins", Operation.Reporting.productLineMargins),
        .init(.get, "reports/funnel", Operation.Reporting.funnel),
        .init(.get, "reports/approval-times", Operation.Reporting.approvalTimes),
    ]
}
