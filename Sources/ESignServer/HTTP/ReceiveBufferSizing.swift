import NIOCore

/// Lets a connection read up to 256 KiB at a time instead of NIO's default 64 KiB: documents
/// arrive in four reads a megabyte rather than sixteen, each of which is a system call and a
/// hand-over to the request's task. Removes itself once it has set the option.
final class ReceiveBufferSizing: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    func handlerAdded(context: ChannelHandlerContext) {
        let allocator = AdaptiveRecvByteBufferAllocator(minimum: 1024, initial: 64 * 1024, maximum: 256 * 1024)
        context.channel.setOption(ChannelOptions.recvAllocator, value: allocator).whenComplete { _ in }
        context.pipeline.syncOperations.removeHandler(self, promise: nil)
    }
}
