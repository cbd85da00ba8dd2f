import Contracts
import Foundation

/// The rules an admin's input must satisfy; pure, so tests check them without a database.
enum UserRules {
    /// Region codes: the customers service's rule.
    static var regionCodePattern: Regex<Substring> { /^[a-z][a-z0-9-]{1,31}$/ }
    static var usernamePattern: Regex<Substring> { /^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$/ }
    /// Mainland China mobile numbers.
    static var mobilePattern: Regex<Substring> { /^1[3-9][0-9]{9}$/ }
    static let minimumPasswordLength = 8
    /// bcrypt ignores bytes past 72; a longer password would silently match any other with the same prefix.
    static let maximumPasswordBytes = 72

    /// Roles that belong to a region.
    static func needsRegion(_ role: Role) -> Bool {
        role == .rep || role == .supervisor || role == .regionalManager
    }

    static func checkUsername(_ value: String, into errors: inout [Problem.FieldError]) {
        if value.wholeMatch(of: usernamePattern) == nil {
            errors.append(.init(field: "username", message: "must be 2–64 letters, digits, '.', '_' or '-', starting with a letter or digit"))
        }
    }

    static func checkDisplayName(_ value: String, into errors: inout [Problem.FieldError]) {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty || trimmed.count > 100 {
            errors.append(.init(field: "displayName", message: "must be 1–100 characters"))
        }
    }

    static func checkPassword(_ value: String, into errors: inout [Problem.FieldError]) {
        if value.count < minimumPasswordLength {
            errors.append(.init(field: "password", message: "must be at least \(minimumPasswordLength) characters"))
        } else if value.utf8.count > maximumPasswordBytes {
            errors.append(.init(field: "password", message: "must be at most \(maximumPasswordBytes) bytes"))
        }
    }

    static func checkMobile(_ value: String?, into errors: inout [Problem.FieldError]) {
        if let value, value.wholeMatch(of: mobilePattern) == nil {
            errors.append(.init(field: "mobile", message: "must be a mainland China mobile number (11 digits starting with 1)"))
        }
    }

    static func checkWecomUserId(_ value: String?, into errors: inout [Problem.FieldError]) {
        if let value, value.isEmpty || value.count > 64 {
            errors.append(.init(field: "wecomUserId", message: "must be 1–64 characters"))
        }
    }

    static func checkRole(_ value: String, into errors: inout [Problem.FieldError]) -> Role? {
        guard let role = Role(rawValue: value) else {
            errors.append(.init(field: "role", message: "must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))"))
            return nil
        }
        return role
    }

    static func checkRegionCode(_ value: String, field: String = "region", into errors: inout [Problem.FieldError]) {
        if value.wholeMatch(of: regionCodePattern) == nil {
            errors.append(.init(field: field, message: "must match ^[a-z][a-z0-9-]{1,31}$"))
        }
    }
}
