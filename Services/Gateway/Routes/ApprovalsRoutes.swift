import Contracts
import HTTPTypes

/// `/api/v1/approvals` and `approval-policies`: forwarded to the approvals service.
enum ApprovalsRoutes {
    static let table: [ForwardedRoute] = [
        .init(.get, "approvals", Operation.Approvals.list),
        .init(.get, "approvals/:id", Operation.Approvals.get),
        // Approve and recall take an optional `{comment}`; reject requires it.
        .init(.post, "approvals/:id/approve", Operation.Approvals.approve, readsBody: true),
        .init(.post, "approvals/:id/reject", Operation.Approvals.reject, readsBody: true),
        .init(.post, "approvals/:id/recall", Operation.Approvals.recall, readsBody: true),
        .init(.get, "approval-policies", Operation.Approvals.getPolicies),
        .init(.put, "approval-policies", Operation.Approvals.putPolicies, readsBody: true),
    ]
}
