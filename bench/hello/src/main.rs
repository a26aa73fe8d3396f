//! Baseline server for `bench/run.sh`: `GET /hello` on a bare axum router.

#[tokio::main]
async fn main() {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:18181".into());
    let app = axum::Router::new().route("/hello", axum::routing::get(|| async { "hello" }));
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
    println!("hello listening on http://{}", listener.local_addr().unwrap());
    axum::serve(listener, app).await.expect("serve");
}
