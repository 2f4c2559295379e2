import ESignCrypto

/// What may open an encrypted PDF: passwords (tried before the empty user password every reader
/// tries) and the keys of recipients it may have been encrypted for (certificate security). Carried
/// whole from the command line to whatever opens a document, and never logged.
public struct PDFCredentials: Sendable {
    public var passwords: [Secret]
    public var recipients: [PDFRecipient]

    public init(passwords: [Secret] = [], recipients: [PDFRecipient] = []) {
        self.passwords = passwords
        self.recipients = recipients
    }

    /// These credentials and `more` recipients after them.
    public func adding(recipients more: [PDFRecipient]) -> PDFCredentials {
        PDFCredentials(passwords: passwords, recipients: recipients + more)
    }
}
