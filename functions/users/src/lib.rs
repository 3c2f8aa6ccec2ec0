//! The `users` component: routes `/users/...`. The handlers live in
//! `redspin_app::users`, shared with the other components.

#[cfg(target_arch = "wasm32")]
#[spin_sdk::http_component]
async fn handle(req: spin_sdk::http::IncomingRequest) -> spin_sdk::http::Response {
    redspin_app::api::serve(req, redspin_app::users::handle).await
}
