//! The HTTP API under `/api/v1`, and its OpenAPI document generated from the same
//! handlers (utoipa-axum registers each route and its documentation together, so the
//! document cannot list a route the server does not serve, or miss one).

pub mod audit;
mod checks;
pub mod console;
pub mod device;
pub mod office;
pub mod pickup;
pub mod records;
pub mod tus;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue};
use outreach_protocol::{API_VERSION, ErrorBody, Health};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::{AppError, AppState, VERSION};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Outreach office server API",
        description = "Tablet enrolment and sync (records in idempotent batches, photos over tus 1.0, the manifest), the data tablets receive, and the office console.",
    ),
    components(schemas(ErrorBody)),
    modifiers(&Security),
    tags(
        (name = "device", description = "Enrolment and what tablets receive"),
        (name = "sync", description = "Records up, and the manifest"),
        (name = "photos", description = "Photos over tus 1.0"),
        (name = "console", description = "The office console"),
    )
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "device",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The device credential from enrolment"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "console",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                outreach_protocol::console::SESSION_COOKIE,
            ))),
        );
    }
}

/// The API routes (relative to `/api/v1`) and their OpenAPI document.
pub fn router() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    let uploads = OpenApiRouter::new()
        .routes(routes!(tus::options, tus::create))
        .routes(routes!(tus::head, tus::patch, tus::terminate))
        // Every tus response names the protocol version, errors included.
        .layer(
            tower_http::set_header::SetResponseHeaderLayer::if_not_present(
                HeaderName::from_static("tus-resumable"),
                HeaderValue::from_static(outreach_protocol::tus::TUS_VERSION),
            ),
        );
    let rest = OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(device::enrol))
        .routes(routes!(device::device))
        .routes(routes!(device::renew_credential))
        .routes(routes!(device::roster))
        .routes(routes!(device::trips))
        .routes(routes!(device::settings))
        .routes(routes!(records::put_records))
        .routes(routes!(records::manifest))
        .routes(routes!(audit::put_audit))
        .routes(routes!(tus::photo_held))
        .routes(routes!(console::login, console::me, console::logout))
        .routes(routes!(console::issue_enrolment))
        .routes(routes!(console::devices))
        .routes(routes!(console::revoke))
        .routes(routes!(console::change_password))
        .routes(routes!(console::totp_begin, console::totp_remove))
        .routes(routes!(console::totp_confirm))
        .routes(routes!(console::staff, console::add_staff))
        .routes(routes!(console::disable_staff))
        .routes(routes!(console::audit_log))
        .routes(routes!(audit::trail))
        .routes(routes!(audit::trail_file))
        .routes(routes!(office::trips::trips, office::trips::create_trip))
        .routes(routes!(office::trips::update_trip))
        .routes(routes!(office::review::review))
        .routes(routes!(office::record::record))
        .routes(routes!(office::record::photo))
        .routes(routes!(office::record::set_stage))
        .routes(routes!(
            office::cards::card_batches,
            office::cards::add_card_batch
        ))
        .routes(routes!(office::cards::import_card_batch))
        .routes(routes!(office::mailing::mailing))
        .routes(routes!(office::mailing::mailing_file))
        .routes(routes!(office::mailing::mailed))
        .routes(routes!(
            office::returned::returned,
            office::returned::add_returned
        ))
        .routes(routes!(office::returned::add_contact))
        .routes(routes!(office::returned::resolve_returned))
        .routes(routes!(office::tally::add_counter_case))
        .routes(routes!(office::tally::delete_counter_case))
        .routes(routes!(office::tally::add_phone_enquiry))
        .routes(routes!(office::tally::delete_phone_enquiry))
        .routes(routes!(
            pickup::settings::get_settings,
            pickup::settings::put_settings
        ))
        .routes(routes!(
            pickup::notices::notices,
            pickup::notices::print_notices
        ))
        .routes(routes!(pickup::calendar::calendar))
        .routes(routes!(pickup::residents::find_residents))
        .routes(routes!(pickup::bookings::book))
        .routes(routes!(pickup::bookings::move_booking))
        .routes(routes!(pickup::bookings::cancel_booking))
        .routes(routes!(pickup::bookings::handover))
        .routes(routes!(pickup::bookings::no_show))
        .routes(routes!(pickup::bookings::follow_up))
        .routes(routes!(pickup::day::pickup_day))
        .routes(routes!(office::tally::tally))
        .routes(routes!(office::reports::report))
        .routes(routes!(office::reports::report_file))
        // Everything but a photo upload is quick; a PATCH has its own stall timeout.
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            std::time::Duration::from_secs(60),
        ));
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(uploads)
        .merge(rest)
        .split_for_parts();
    document_common_errors(&mut doc);
    doc.info.version = API_VERSION.to_owned();
    doc.servers = Some(vec![utoipa::openapi::Server::new(
        outreach_protocol::API_PREFIX,
    )]);
    let json = doc.to_pretty_json().unwrap_or_default();
    let router = router.route(
        "/openapi.json",
        axum::routing::get(move || {
            let json = json.clone();
            async move {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    json,
                )
            }
        }),
    );
    (router, doc)
}

/// The refusals every operation of a kind shares, documented once here so that no
/// handler's annotation can leave one out:
/// - every operation but `OPTIONS /uploads` asks the database (a device credential or
///   a console session is looked up there, if nothing else) and answers 503
///   `storage_unavailable` when it cannot (see [`AppError::Store`]);
/// - every operation with a JSON body reads it through [`crate::error::ApiJson`], which
///   refuses a body that is not JSON (400), larger than [`crate::BODY_LIMIT`] (413), of
///   another content type (415) or not of the schema (422).
///
/// A status a handler documents itself keeps its description.
fn document_common_errors(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let error = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build()
    };
    let storage =
        error("The server's database is not available (`storage_unavailable`); try again later");
    let json_refusals = [
        ("400", error("The body is not JSON (`malformed_json`)")),
        (
            "413",
            error("The body is larger than the server accepts (`payload_too_large`)"),
        ),
        (
            "415",
            error("The body is not sent as `Content-Type: application/json`"),
        ),
        ("422", error("The body does not match the schema")),
    ];
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.head,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            let json_body = operation
                .request_body
                .as_ref()
                .is_some_and(|b| b.content.contains_key("application/json"));
            let responses = &mut operation.responses.responses;
            responses
                .entry("503".to_owned())
                .or_insert_with(|| storage.clone().into());
            if json_body {
                for (status, response) in &json_refusals {
                    responses
                        .entry((*status).to_owned())
                        .or_insert_with(|| response.clone().into());
                }
            }
        }
    }
}

/// Whether the server and its database answer, and whether its data folder can still
/// be written (a full or read-only disk answers 503 `storage_unwritable`).
#[utoipa::path(
    get, path = "/health", tag = "device",
    responses((status = 200, body = Health), (status = 503, body = ErrorBody))
)]
pub async fn health(State(state): State<AppState>) -> Result<Json<Health>, AppError> {
    let schema_version = state.store.ping().await?;
    if let Some(dir) = state.data_dir.clone() {
        write_probe(dir).await?;
    }
    Ok(Json(Health {
        status: "ok".to_owned(),
        version: VERSION.to_owned(),
        api_version: API_VERSION.to_owned(),
        storage: state.store.kind(),
        schema_version,
    }))
}

/// Bytes `/health` writes (and deletes) in the data folder: a few database pages.
pub const WRITE_PROBE_BYTES: usize = 16 * 1024;

/// Writes and deletes a small file in `dir`: a database in a folder where this fails
/// cannot store a record either, and the server must not say it is well.
async fn write_probe(dir: std::path::PathBuf) -> Result<(), AppError> {
    let written = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        use std::io::Write;
        let mut file = tempfile::Builder::new()
            .prefix(".health-probe")
            .tempfile_in(&dir)?;
        file.write_all(&[0u8; WRITE_PROBE_BYTES])?;
        file.flush()?;
        file.close()
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    written.map_err(|e| {
        tracing::error!(error = %e, "the data folder cannot be written");
        AppError::client(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "storage_unwritable",
            "the server cannot write to its data folder (a full or read-only disk): nothing can be stored",
        )
    })
}
