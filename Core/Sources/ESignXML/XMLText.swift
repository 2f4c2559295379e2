/// Text for XML that esign writes itself (signature elements spliced into a document): escaped
/// for element content or attribute values, with every non-ASCII character as a character
/// reference, so that the same bytes are right in any ASCII-compatible encoding the document
/// declares (UTF-8, ISO-8859-1, windows-1258).
public enum XMLText {
    /// `text` for element content.
    public static func content(_ text: String) -> String { escape(text, attribute: false) }

    /// `text` for an attribute value in double quotes.
    public static func attribute(_ text: String) -> String { escape(text, attribute: true) }

    private static func escape(_ text: String, attribute: Bool) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where attribute: out += "&quot;"
            case "\r": out += "&#xD;"
            case "\t" where attribute: out += "&#x9;"
            case "\n" where attribute: out += "&#xA;"
            default:
                if scalar.value < 0x20 && scalar != "\n" && scalar != "\t" {
                    continue  // not allowed in XML 1.0 at all
                } else if scalar.value < 0x80 {
                    out.unicodeScalars.append(scalar)
                } else {
                    out += "&#x" + String(scalar.value, radix: 16, uppercase: true) + ";"
                }
            }
        }
        return out
    }
}
