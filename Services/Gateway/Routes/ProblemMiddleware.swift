import Contracts
import HTTPTypes
import Hummingbird

/// Every error the HTTP layer itself produces (unknown route, wrong method, unreadable request) leaves as an
/// RFC 9457 problem document, like the services' own errors.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            let status = error.status
            let detail: String
            switch status {
            case .notFound: detail = "No route \(request.method.rawValue) \(request.uri.path)."
            case .methodNotAllowed: detail = "\(request.method.rawValue) is not allowed on \(request.uri.path)."
            default: detail = (error as? HTTPError)?.body ?? status.reasonPhrase
            }
            return ProblemResponse.make(Problem(title: status.reasonPhrase, status: status.code, detail: detail))
        }
    }
}
