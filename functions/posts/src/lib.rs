//! The `posts` component: routes `/posts/...`. The handlers live in
//! `redspin_app::posts`, shared with the other components.

// The SDK under the name its macros expect.
#[cfg(all(target_arch = "wasm32", feature = "spin-sdk-6"))]
extern crate spin_sdk6 as spin_sdk;

#[cfg(all(target_arch = "wasm32", feature = "spin-sdk-5"))]
#[spin_sdk::http_component]
async fn handle(req: spin_sdk::http::IncomingRequest, out: spin_sdk::http::ResponseOutparam) {
    redspin_app::platform::serve(req, out, redspin_app::posts::handle).await
}

#[cfg(all(
    target_arch = "wasm32",
    feature = "spin-sdk-6",
    not(feature = "spin-sdk-5")
))]
#[spin_sdk::http_service]
async fn handle(req: spin_sdk::http::Request) -> impl spin_sdk::http::IntoResponse {
    redspin_app::platform::serve(req, redspin_app::posts::handle).await
}
