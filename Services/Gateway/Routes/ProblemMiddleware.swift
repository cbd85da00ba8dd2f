import Contracts
import HTTPTypes
import Hummingbird
import Logging
import ServiceRuntime

/// Every error the HTTP layer itself produces (unknown route, wrong method, unreadable request) leaves as an
/// RFC 9457 problem document, like the services' own errors.
/// A ``Problem`` thrown by a route becomes its document; a 401 also says how to authenticate (`WWW-Authenticate`).
/// Anything else is logged and answers a 500 problem without internals.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            var response = try await next(request, context)
            if response.status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
            return response
        } catch let problem as Problem {
            var response = ProblemResponse.make(problem)
            if problem.status == 401 { response.headers[.wwwAuthenticate] = "Bearer" }
            return response
        } catch let error as any HTTPResponseError {
            let status = error.status
            let detail: String
            switch status {
            case .notFound: detail = "No route \(request.method.rawValue) \(request.uri.path)."
            case .methodNotAllowed: detail = "\(request.method.rawValue) is not allowed on \(request.uri.path)."
            default: detail = (error as? HTTPError)?.body ?? status.reasonPhrase
            }
            return ProblemResponse.make(Problem(title: status.reasonPhrase, status: status.code, detail: detail))
        } catch {
            // A problem thrown inside a transaction arrives wrapped; the shared mapping unwraps it.
            let problem = Problem(error, operation: "\(request.method.rawValue) \(request.uri.path)", logger: context.logger)
            var response = ProblemResponse.make(problem)
            if problem.status == 401 { response.headers[.wwwAuthenticate] = "Bearer" }
            return response
        }
    }
}
