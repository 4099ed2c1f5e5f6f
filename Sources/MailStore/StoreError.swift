// Errors of the store. Each description is a sentence a person can act on; callers map the cases to
// protocol replies (IMAP NO [NONEXISTENT], [ALREADYEXISTS], [OVERQUOTA], SMTP 452/552, ...).

public enum StoreError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Something named does not exist (a domain, account, mailbox, alias, app password).
    case notFound(String)
    /// Something with that name exists already.
    case alreadyExists(String)
    /// Removal refused because something still depends on it.
    case notEmpty(String)
    /// The account's quota would be exceeded (RFC 9208 §4.3 OVERQUOTA).
    case overQuota
    /// The data directory was written by a newer Mailroom.
    case schemaTooNew(String)
    /// A mailbox or other name is not acceptable.
    case invalidName(String)
    /// An argument makes no sense (e.g. a copy between two accounts).
    case invalidArgument(String)
    /// A message refers to a blob file that is not on disk.
    case blobMissing(String)
    /// A named limit was hit.
    case limitExceeded(String)
    /// The disk (or the disk quota) is full; the operation changed nothing. A temporary condition:
    /// SMTP answers 452 4.3.1 (RFC 3463), and the client retries once space returns.
    case outOfSpace(String)
    /// The database or the file system failed; the operation changed nothing.
    case storage(String)
    /// The store was closed.
    case closed
    /// A condition of the request does not hold (RFC 9110 §13.1 If-Match / If-None-Match; a COPY or
    /// MOVE destination exists and Overwrite is F, RFC 4918 §9.8.4): HTTP 412.
    case preconditionFailed(String)
    /// Another resource of the collection has this UID (RFC 4791 §5.3.2.1 CALDAV:no-uid-conflict,
    /// RFC 6352 §6.3.2.1 CARDDAV:no-uid-conflict); `existingName` is that resource's name.
    case uidConflict(existingName: String)
    /// A sync token the collection cannot answer (RFC 6578 §3.2 DAV:valid-sync-token, HTTP 403): from
    /// the future, from before the collection existed, or older than pruned deletions.
    case syncTokenInvalid
    /// The request does not fit the state of what it names (RFC 4918 §9.3.1, §9.7.1: the parent collection
    /// of a new resource does not exist): HTTP 409.
    case conflict(String)

    public var description: String {
        switch self {
        case .notFound(let what): "\(what) does not exist."
        case .alreadyExists(let what): "\(what) already exists."
        case .notEmpty(let what): "\(what) is not empty; remove what it contains first."
        case .overQuota: "The account is over its quota; delete some mail or raise the quota."
        case .schemaTooNew(let detail): detail
        case .invalidName(let why): "Invalid name: \(why)."
        case .invalidArgument(let why): "Invalid request: \(why)."
        case .blobMissing(let hash):
            "The message body \(hash) is missing from the blob directory; store the message again."
        case .limitExceeded(let what): "Limit reached: \(what)."
        case .outOfSpace(let detail): "The mail store is out of space: \(detail)."
        case .storage(let detail): "The mail store failed: \(detail)."
        case .closed: "The mail store is closed."
        case .preconditionFailed(let why): "Precondition failed: \(why)."
        case .uidConflict(let name): "The resource \(name) already has this UID; update that resource instead."
        case .syncTokenInvalid: "The sync token is not valid for this collection; synchronize again from the start."
        case .conflict(let why): "Conflict: \(why)."
        }
    }
}
