import Contracts
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceRuntime

/// The web app: the static files under `Web/` (a resource of this target), served at `/` on the same origin as the
/// API, which is all they talk to (ADR 0006).
///
/// Files are read once at start and kept in memory (the whole app is a few hundred kB). With `salesdesk.web.root`
/// (`SALESDESK_WEB_ROOT`) set to a folder, each request reads that folder instead, so the app can be edited without
/// a rebuild. Every answer revalidates by `ETag` (`Cache-Control: no-cache`: file names carry no hash, so a cached
/// copy must never outlive a release) and carries the security headers: a Content-Security-Policy that allows only
/// this origin's scripts, styles and connections, and no framing.
struct WebApp: Sendable {
    /// One servable file.
    struct Asset: Sendable {
        var body: ByteBuffer
        var contentType: String
        var etag: String
    }

    enum Source: Sendable {
        case memory([String: Asset])
        case folder(URL)
    }

    let source: Source

    static let contentSecurityPolicy = [
        "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:", "connect-src 'self'",
        "manifest-src 'self'", "worker-src 'self'", "frame-ancestors 'none'", "base-uri 'self'", "form-action 'self'",
        "object-src 'none'",
    ].joined(separator: "; ")

    static let contentTypes: [String: String] = [
        "html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8",
        "json": "application/json", "webmanifest": "application/manifest+json", "svg": "image/svg+xml", "png": "image/png",
        "ico": "image/x-icon", "txt": "text/plain; charset=utf-8",
    ]

    /// The bundled app, or the folder `salesdesk.web.root` names.
    static func configured(_ configuration: ServiceConfiguration) throws -> WebApp {
        if let folder = configuration.optional("salesdesk.web.root") {
            return WebApp(source: .folder(URL(fileURLWithPath: folder, isDirectory: true)))
        }
        guard let bundled = Bundle.module.url(forResource: "Web", withExtension: nil) else {
            return WebApp(source: .memory([:]))
        }
        return try WebApp(loading: bundled)
    }

    /// Every file under `folder`, read now.
    init(loading folder: URL) throws {
        var assets: [String: Asset] = [:]
        let base = folder.standardizedFileURL.path
        let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = walker?.nextObject() as? URL {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
            let relative = String(url.standardizedFileURL.path.dropFirst(base.count)).trimmingCharacters(in: ["/"])
            if let asset = try Self.asset(at: url) { assets[relative] = asset }
        }
        source = .memory(assets)
    }

    init(source: Source) {
        self.source = source
    }

    /// `/` is `index.html`; any other GET that no API route takes is a file of the app, or a 404 problem.
    func add(to router: Router<ServiceRequestContext>) {
        router.get("/") { request, _ in try serve("index.html", request) }
        router.get("**") { request, _ in try serve(String(request.uri.path.dropFirst()), request) }
        // HEAD answers GET's headers without the body (link checkers, proxies, `curl -I`).
        router.head("/") { request, _ in try serve("index.html", request).withoutBody }
        router.head("**") { request, _ in try serve(String(request.uri.path.dropFirst()), request).withoutBody }
    }

    private func serve(_ path: String, _ request: Request) throws -> Response {
        guard let asset = try find(path) else { throw Problem.notFound("No such page or file: /\(path)") }
        var headers = Self.securityHeaders
        headers[.contentType] = asset.contentType
        headers[.eTag] = asset.etag
        headers[.cacheControl] = "no-cache"
        if let tags = request.headers[.ifNoneMatch],
            tags.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == asset.etag })
        {
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: asset.body))
    }

    static let contentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let frameOptions = HTTPField.Name("X-Frame-Options")!

    static var securityHeaders: HTTPFields {
        [
            .contentSecurityPolicy: contentSecurityPolicy,
            Self.contentTypeOptions: "nosniff",
            Self.referrerPolicy: "same-origin",
            Self.frameOptions: "DENY",
        ]
    }

    /// The file at a request path; only plain names (letters, digits, `.`, `-`, `_`; no hidden files, no `..`) with
    /// a known type can be served, so no path leaves the app's folder.
    private func find(_ path: String) throws -> Asset? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !segments.isEmpty,
            segments.allSatisfy({ segment in
                !segment.isEmpty && !segment.hasPrefix(".")
                    && segment.unicodeScalars.allSatisfy {
                        CharacterSet.alphanumerics.contains($0) && $0.isASCII || "._-".unicodeScalars.contains($0)
                    }
            })
        else { return nil }
        switch source {
        case .memory(let assets):
            return assets[path]
        case .folder(let folder):
            return try Self.asset(at: folder.appendingPathComponent(path))
        }
    }

    private static func asset(at url: URL) throws -> Asset? {
        var isFolder: ObjCBool = false
        guard let type = contentTypes[url.pathExtension.lowercased()], FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder),
            !isFolder.boolValue
        else { return nil }
        let data = try Data(contentsOf: url)
        let digest = SHA256.hash(data: data).prefix(12).map { String(format: "%02x", $0) }.joined()
        return Asset(body: ByteBuffer(bytes: data), contentType: type, etag: "\"\(digest)\"")
    }
}

extension Response {
    fileprivate var withoutBody: Response {
        var response = self
        response.body = .init()
        return response
    }
}
