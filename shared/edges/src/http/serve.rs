//! The HTTP functions' loop: API Gateway's events in, each handler's answer
//! out, as `lambda_http::run` does, with one repair first. lambda_http
//! decodes a body marked base64 while it converts the event and panics when
//! the text does not decode; API Gateway never sends such a body, but
//! anyone allowed to invoke the function can. Such a body is dropped and
//! the request marked, and [`super::body`] answers it `400 malformed_body`
//! like any other body that cannot be read.

use std::future::Future;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use lambda_http::http::HeaderValue;
use lambda_http::request::LambdaRequest;
use lambda_http::tower::Service;
use lambda_http::{Adapter, Body, Error, LambdaEvent, Request, Response, service_fn};

/// The mark of a body that was marked base64 and did not decode; removed
/// from every request that arrives with it.
pub(super) const UNDECODABLE_BODY: &str = "x-recovery-undecodable-body";

/// Runs `handler` on every request this function is invoked with, until the
/// runtime stops.
pub async fn serve<'a, H, F>(mut handler: H) -> Result<(), Error>
where
    H: FnMut(Request) -> F,
    F: Future<Output = Response<Body>> + Send + 'a,
{
    let service = service_fn(move |req: Request| {
        let answer = handler(req);
        async move { Ok::<_, Error>(answer.await) }
    });
    lambda_http::lambda_runtime::run(Mended(Adapter::from(service))).await
}

/// A service whose events are [`mend`]ed before it sees them.
struct Mended<S>(S);

impl<S> Service<LambdaEvent<LambdaRequest>> for Mended<S>
where
    S: Service<LambdaEvent<LambdaRequest>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, mut event: LambdaEvent<LambdaRequest>) -> Self::Future {
        mend(&mut event.payload);
        self.0.call(event)
    }
}

/// Drops a body marked base64 that does not decode, and marks the request.
pub fn mend(payload: &mut LambdaRequest) {
    if let LambdaRequest::ApiGatewayV2(request) = payload {
        request.headers.remove(UNDECODABLE_BODY);
        let undecodable = request.is_base64_encoded
            && request.body.as_deref().is_some_and(|body| STANDARD.decode(body).is_err());
        if undecodable {
            request.is_base64_encoded = false;
            request.body = None;
            request.headers.insert(UNDECODABLE_BODY, HeaderValue::from_static("1"));
        }
    }
}
