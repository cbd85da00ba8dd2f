import Contracts
import Foundation

/// The rules an admin's input must satisfy; pure, so tests check them without a database.
enum UserRules {
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

    /// A new, active user at version 1 from an admin's input, or a 422 listing every field that breaks a rule.
    /// Whether the region and supervisor exist is checked against the database by the caller.
    static func user(from input: NewUser, id: RecordID, at now: Date) throws(Problem) -> User {
        var errors: [Problem.FieldError] = []
        checkUsername(input.username, into: &errors)
        checkDisplayName(input.displayName, into: &errors)
        checkPassword(input.password, into: &errors)
        checkMobile(input.mobile, into: &errors)
        checkWecomUserId(input.wecomUserId, into: &errors)
        let role = checkRole(input.role, into: &errors)
        if let region = input.region { checkRegionCode(region, into: &errors) }
        if let role, needsRegion(role), input.region == nil {
            errors.append(.init(field: "region", message: "is required for the role \(role.rawValue)"))
        }
        let supervisorId = input.supervisorId.flatMap { checkSupervisorId($0, into: &errors) }
        guard errors.isEmpty, let role else { throw Problem.validation(errors) }
        return User(
            id: id,
            username: input.username,
            displayName: input.displayName.trimmingCharacters(in: .whitespacesAndNewlines),
            role: role,
            region: input.region,
            supervisorId: supervisorId,
            mobile: input.mobile,
            wecomUserId: input.wecomUserId,
            active: true,
            version: 1,
            createdAt: now,
            updatedAt: now
        )
    }

    /// A new region from an admin's input, or a 422 listing the fields that break a rule.
    static func region(from input: NewRegion, at now: Date) throws(Problem) -> Region {
        var errors: [Problem.FieldError] = []
        checkRegionCode(input.code, field: "code", into: &errors)
        let name = input.name.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty || name.count > 100 { errors.append(.init(field: "name", message: "must be 1–100 characters")) }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        return Region(code: input.code, name: name, createdAt: now)
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

    /// Region codes follow the one rule every service shares, ``Contracts/RegionCode``.
    static func checkRegionCode(_ value: String, field: String = "region", into errors: inout [Problem.FieldError]) {
        if !RegionCode.isValid(value) {
            errors.append(.init(field: field, message: RegionCode.requirement))
        }
    }

    static func checkSupervisorId(_ value: String, into errors: inout [Problem.FieldError]) -> RecordID? {
        guard let id = RecordID(value) else {
            errors.append(.init(field: "supervisorId", message: "must be a user id (UUID)"))
            return nil
        }
        return id
    }
}
