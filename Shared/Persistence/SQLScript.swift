/// Splits a SQL script into single statements.
///
/// PostgresNIO speaks only the extended query protocol, which runs one statement per query, so a migration file
/// with several statements is split at the `;` that end statements. A `;` inside a string literal (`'…'`, `E'…'`),
/// a quoted identifier (`"…"`), a dollar-quoted body (`$$…$$`, `$fn$…$fn$`) or a comment does not end a statement,
/// which keeps `DO $$ … $$;` blocks and function bodies whole.
public enum SQLScript {
    /// The statements of `script`, trimmed, without empty ones (a statement that is only comments is dropped too).
    public static func statements(in script: String) -> [String] {
        let scalars = Array(script.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var hasCode = false
        var index = 0

        func flush() {
            let text = String(current).trimmingWhitespace()
            if hasCode, !text.isEmpty { statements.append(text) }
            current = String.UnicodeScalarView()
            hasCode = false
        }
        func take(_ count: Int) {
            let end = min(index + count, scalars.count)
            current.append(contentsOf: scalars[index..<end])
            index = end
        }
        func starts(with text: String, at position: Int) -> Bool {
            let needle = Array(text.unicodeScalars)
            guard position + needle.count <= scalars.count else { return false }
            return Array(scalars[position..<position + needle.count]) == needle
        }

        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case ";":
                index += 1
                flush()
            case "-" where starts(with: "--", at: index):
                while index < scalars.count, scalars[index] != "\n" { take(1) }
            case "/" where starts(with: "/*", at: index):
                // Block comments nest in PostgreSQL.
                var depth = 0
                repeat {
                    if starts(with: "/*", at: index) {
                        depth += 1
                        take(2)
                    } else if starts(with: "*/", at: index) {
                        depth -= 1
                        take(2)
                    } else {
                        take(1)
                    }
                } while depth > 0 && index < scalars.count
            case "'":
                hasCode = true
                let escapes =
                    index > 0 && (scalars[index - 1] == "E" || scalars[index - 1] == "e")
                    && (index < 2 || !isIdentifierPart(scalars[index - 2]))
                take(1)
                while index < scalars.count {
                    if escapes, scalars[index] == "\\" {
                        take(2)
                    } else if scalars[index] == "'" {
                        take(1)
                        // '' is an escaped quote, not the end of the literal.
                        if index < scalars.count, scalars[index] == "'" { take(1) } else { break }
                    } else {
                        take(1)
                    }
                }
            case "\"":
                hasCode = true
                take(1)
                while index < scalars.count {
                    if scalars[index] == "\"" {
                        take(1)
                        if index < scalars.count, scalars[index] == "\"" { take(1) } else { break }
                    } else {
                        take(1)
                    }
                }
            case "$":
                hasCode = true
                if let tag = dollarTag(in: scalars, at: index) {
                    take(tag.count)
                    while index < scalars.count, !starts(with: tag, at: index) { take(1) }
                    take(tag.count)
                } else {
                    take(1)
                }
            default:
                if !scalar.properties.isWhitespace { hasCode = true }
                take(1)
            }
        }
        flush()
        return statements
    }

    /// `$tag$` starting at `position`, if there is one there (and the `$` is not part of an identifier or `$1`).
    private static func dollarTag(in scalars: [Unicode.Scalar], at position: Int) -> String? {
        if position > 0, isIdentifierPart(scalars[position - 1]) { return nil }
        var end = position + 1
        while end < scalars.count, scalars[end] != "$" {
            let scalar = scalars[end]
            let allowed = scalar == "_" || scalar.properties.isAlphabetic || (end > position + 1 && ("0"..."9").contains(scalar))
            guard allowed else { return nil }
            end += 1
        }
        guard end < scalars.count else { return nil }
        return String(String.UnicodeScalarView(scalars[position...end]))
    }

    private static func isIdentifierPart(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || scalar == "$" || scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
