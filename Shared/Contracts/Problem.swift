import Foundation

/// An RFC 9457 problem document, and the error every SalesDesk handler throws to answer with one.
///
/// Services reply with it over RPC (content type ``Problem/contentType``); the gateway passes it through
/// unchanged as `application/problem+json`.
public struct Problem: Error, Codable, Sendable, Equatable {
    /// The media type of a problem document.
    public static let contentType = "application/problem+json"

    /// A URI naming the kind of problem (`about:blank` when the status says it all).
    public var type: String
    public var title: String
    public var status: Int
    public var detail: String?
    public var instance: String?
    /// Field-level validation errors, so a client can point at the input that was wrong.
    public var errors: [FieldError]?
    /// Extra members specific to the problem type (e.g. the current quote version).
    public var extensions: [String: JSONValue]?

    /// One invalid input field.
    public struct FieldError: Codable, Sendable, Equatable {
        /// JSON pointer or field name of the input.
        public var field: String
        public var message: String
        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    /// Creates a problem.
    public init(
        type: String = "about:blank",
        title: String,
        status: Int,
        detail: String? = nil,
        instance: String? = nil,
        errors: [FieldError]? = nil,
        extensions: [String: JSONValue]? = nil
    ) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
        self.instance = instance
        self.errors = errors
        self.extensions = extensions
    }

    private static let base = "https://salesdesk.example/problems/"

    /// 400: the body is not valid JSON or has wrong types.
    public static func badRequest(_ detail: String) -> Problem {
        Problem(type: base + "malformed-request", title: "Malformed request", status: 400, detail: detail)
    }
    /// 422: well-formed input that breaks a rule; `errors` says which fields.
    public static func validation(_ errors: [FieldError], detail: String? = nil) -> Problem {
        Problem(
            type: base + "validation",
            title: "Invalid input",
            status: 422,
            detail: detail ?? errors.map { "\($0.field): \($0.message)" }.joined(separator: "; "),
            errors: errors
        )
    }
    /// 404: no such record, or one outside the caller's scope (no existence leak).
    public static func notFound(_ detail: String) -> Problem {
        Problem(type: base + "not-found", title: "Not found", status: 404, detail: detail)
    }
    /// 401: no or invalid credentials.
    public static func unauthorized(_ detail: String) -> Problem {
        Problem(type: base + "unauthorized", title: "Unauthorized", status: 401, detail: detail)
    }
    /// 403: known caller, not allowed.
    public static func forbidden(_ detail: String) -> Problem {
        Problem(type: base + "forbidden", title: "Forbidden", status: 403, detail: detail)
    }
    /// 409: conflicts with the current state.
    public static func conflict(_ detail: String) -> Problem {
        Problem(type: base + "conflict", title: "Conflict", status: 409, detail: detail)
    }
    /// 413: the body is larger than allowed.
    public static func payloadTooLarge(limit: Int) -> Problem {
        Problem(type: base + "payload-too-large", title: "Payload too large", status: 413, detail: "The body is larger than \(limit) bytes.")
    }
    /// 503: a dependency (broker, database, owning service) is unavailable; retry later.
    public static func unavailable(_ detail: String) -> Problem {
        Problem(type: base + "unavailable", title: "Service unavailable", status: 503, detail: detail)
    }
    /// 504: the owning service did not answer in time.
    public static func timeout(_ detail: String) -> Problem {
        Problem(type: base + "timeout", title: "Gateway timeout", status: 504, detail: detail)
    }
    /// 500: a fault on our side; the detail never carries internals.
    public static func internalError(_ detail: String = "An unexpected error occurred; it has been logged.") -> Problem {
        Problem(type: base + "internal", title: "Internal error", status: 500, detail: detail)
    }

    private enum CodingKeys: String, CodingKey {
        case type, title, status, detail, instance, errors
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        type = try container.decodeIfPresent(String.self, forKey: .type) ?? "about:blank"
        title = try container.decode(String.self, forKey: .title)
        status = try container.decode(Int.self, forKey: .status)
        detail = try container.decodeIfPresent(String.self, forKey: .detail)
        instance = try container.decodeIfPresent(String.self, forKey: .instance)
        errors = try container.decodeIfPresent([FieldError].self, forKey: .errors)
        let all = try JSONValue(from: decoder)
        if case .object(var members) = all {
            for key in ["type", "title", "status", "detail", "instance", "errors"] { members[key] = nil }
            extensions = members.isEmpty ? nil : members
        }
    }

    // Extension members sit at the top level of the document, as RFC 9457 asks.
    public func encode(to encoder: any Encoder) throws {
        var members: [String: JSONValue] = extensions ?? [:]
        members["type"] = .string(type)
        members["title"] = .string(title)
        members["status"] = .integer(Int64(status))
        if let detail { members["detail"] = .string(detail) }
        if let instance { members["instance"] = .string(instance) }
        if let errors { members["errors"] = try JSONValue(encoding: errors) }
        try JSONValue.object(members).encode(to: encoder)
    }
}
