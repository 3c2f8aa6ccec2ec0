//! A host-written `stream<T>` fed from a channel: what a blocking producer
//! (a SQLite statement stepping on the blocking pool) sends, the guest
//! reads, one item per read. The channel is bounded, so a guest that reads
//! slowly slows the producer instead of growing host memory; a guest that
//! drops the stream closes the channel, and the producer stops.

use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::sync::mpsc;
use wasmtime::component::{Destination, StreamProducer, StreamResult};
use wasmtime::StoreContextMut;

/// Items in flight between the producer and the guest.
pub const CHANNEL_DEPTH: usize = 16;

/// The guest's end of a channel.
pub struct ChannelStream<T>(pub mpsc::Receiver<T>);

/// A bounded channel whose receiving end becomes a guest stream.
pub fn channel<T>() -> (mpsc::Sender<T>, ChannelStream<T>) {
    let (tx, rx) = mpsc::channel(CHANNEL_DEPTH);
    (tx, ChannelStream(rx))
}

impl<T: Send + Sync + 'static, D> StreamProducer<D> for ChannelStream<T> {
    type Item = T;
    type Buffer = Option<T>;

    fn poll_produce<'a>(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut store: StoreContextMut<'a, D>,
        mut dst: Destination<'a, Self::Item, Self::Buffer>,
        finish: bool,
    ) -> Poll<wasmtime::Result<StreamResult>> {
        // A zero-length read asks only whether more may come: say so
        // without taking an item off the channel.
        if dst.remaining(&mut store) == Some(0) {
            return Poll::Ready(Ok(StreamResult::Completed));
        }
        match self.0.poll_recv(cx) {
            Poll::Ready(Some(item)) => {
                dst.set_buffer(Some(item));
                Poll::Ready(Ok(StreamResult::Completed))
            }
            Poll::Ready(None) => Poll::Ready(Ok(StreamResult::Dropped)),
            Poll::Pending if finish => Poll::Ready(Ok(StreamResult::Cancelled)),
            Poll::Pending => Poll::Pending,
        }
    }
}
