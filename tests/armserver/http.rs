//! The socket side: the server thread and its runtime, the accept loop with connection accounting,
//! HTTP/1.1 keep-alive connections, and response bodies (whole, or cut in half for `Truncated`).

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll, ready};
use std::thread::JoinHandle;
use std::time::Duration;

use bytes::Bytes;
use hyper::Response;
use hyper::body::{Body, Frame, SizeHint};
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::time::Sleep;

use super::handler::{self, State};
use super::reply::{Delivery, Reply};

/// The server's runtime threads. The work per request is a few lookups; two threads keep the server
/// from competing with the client under test for the machine's cores.
const WORKER_THREADS: usize = 2;

/// How long a truncated body waits after its first half before the connection is cut, so that hyper
/// has flushed that half to the socket by then.
const TRUNCATION_PAUSE: Duration = Duration::from_millis(20);

/// Serves `listener` on a new thread until the returned sender fires (or is dropped). Returns once the
/// server accepts connections.
pub(super) fn spawn(state: Arc<State>, listener: std::net::TcpListener) -> (JoinHandle<()>, oneshot::Sender<()>) {
    let (shutdown_tx, shutdown_rx) = oneshot::channel();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let thread = std::thread::Builder::new()
        .name("armserver".to_owned())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(WORKER_THREADS)
                .thread_name("armserver-worker")
                .enable_all()
                .build()
                .expect("armserver: tokio runtime");
            runtime.block_on(accept_loop(state, listener, ready_tx, shutdown_rx));
            // Drops the connection tasks without waiting for them: requests held by a Timeout fault
            // would never finish.
            runtime.shutdown_background();
        })
        .expect("armserver: server thread");
    ready_rx.recv().expect("armserver: the server thread died before serving");
    (thread, shutdown_tx)
}

async fn accept_loop(
    state: Arc<State>,
    listener: std::net::TcpListener,
    ready: std::sync::mpsc::Sender<()>,
    mut shutdown: oneshot::Receiver<()>,
) {
    listener.set_nonblocking(true).expect("armserver: non-blocking listener");
    let listener = TcpListener::from_std(listener).expect("armserver: tokio listener");
    let _ = ready.send(());
    loop {
        let stream = tokio::select! {
            _ = &mut shutdown => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors and the like: that client's connection fails; keep serving.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        // Responses are written whole; Nagle's algorithm would only add delayed-ACK stalls.
        let _ = stream.set_nodelay(true);
        let open = OpenConnection::new(Arc::clone(&state));
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let _open = open;
            let service = service_fn(move |request| {
                let state = Arc::clone(&state);
                async move { Ok::<_, Infallible>(handler::handle(state, request).await) }
            });
            // An error is the client going away or a Truncated fault cutting the body: either way the
            // connection is over.
            let _ = http1::Builder::new().keep_alive(true).serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

/// Counts a connection as open for as long as its task lives.
struct OpenConnection(Arc<State>);

impl OpenConnection {
    fn new(state: Arc<State>) -> OpenConnection {
        let c = &state.counters;
        c.connections_accepted.fetch_add(1, Ordering::Relaxed);
        let open = c.open_connections.fetch_add(1, Ordering::Relaxed) + 1;
        c.max_open_connections.fetch_max(open, Ordering::Relaxed);
        OpenConnection(state)
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.counters.open_connections.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The HTTP response for a reply, with `headers` before the reply's own.
pub(super) fn response(reply: Reply, headers: Vec<(&'static str, String)>) -> Response<ArmBody> {
    let mut builder = Response::builder().status(reply.status).header(CONTENT_TYPE, "application/json; charset=utf-8");
    for (name, value) in headers.into_iter().chain(reply.headers) {
        builder = builder.header(name, value);
    }
    let body = match reply.delivery {
        Delivery::Normal => ArmBody::Whole(Some(reply.body)),
        Delivery::Truncated => {
            // The length of the whole body, which hyper then holds the (shorter) body to.
            builder = builder.header(CONTENT_LENGTH, reply.body.len());
            let half = reply.body.slice(..reply.body.len() / 2);
            ArmBody::Truncated { half: Some(half), pause: Box::pin(tokio::time::sleep(TRUNCATION_PAUSE)) }
        }
        Delivery::Hang => unreachable!("armserver: a held request gets no response"),
    };
    builder.body(body).expect("armserver: a valid response")
}

/// A response body.
pub(super) enum ArmBody {
    Whole(Option<Bytes>),
    /// The first half, a pause, then an error, on which hyper closes the connection: the client sees
    /// fewer bytes than `Content-Length` announced, then the end of the stream.
    Truncated {
        half: Option<Bytes>,
        pause: Pin<Box<Sleep>>,
    },
}

impl Body for ArmBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.get_mut() {
            ArmBody::Whole(body) => Poll::Ready(body.take().map(|body| Ok(Frame::data(body)))),
            ArmBody::Truncated { half, pause } => {
                if let Some(half) = half.take() {
                    return Poll::Ready(Some(Ok(Frame::data(half))));
                }
                ready!(pause.as_mut().poll(cx));
                Poll::Ready(Some(Err(io::Error::new(io::ErrorKind::ConnectionAborted, "armserver: Truncated fault"))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, ArmBody::Whole(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            ArmBody::Whole(body) => SizeHint::with_exact(body.as_ref().map_or(0, |b| b.len() as u64)),
            // Unknown, so that hyper takes the length from the Content-Length header.
            ArmBody::Truncated { .. } => SizeHint::default(),
        }
    }
}
