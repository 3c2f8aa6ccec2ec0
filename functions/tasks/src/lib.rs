//! The `tasks` component: routes `/tasks/...`. The handlers live in
//! `redspin_app::tasks`, shared with the other components.

#[cfg(target_arch = "wasm32")]
#[spin_sdk::http_component]
async fn handle(req: spin_sdk::http::IncomingRequest) -> spin_sdk::http::Response {
    redspin_app::api::serve(req, redspin_app::tasks::handle).await
}
