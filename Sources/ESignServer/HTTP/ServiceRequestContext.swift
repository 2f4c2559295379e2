import Hummingbird
import NIOCore

/// The request context of `esign serve`: Hummingbird's core context plus the connection, so that
/// a request refused before its body was read (413, 408, 503) can have its connection closed
/// instead of the server reading and discarding the rest of the body.
struct ServiceRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
