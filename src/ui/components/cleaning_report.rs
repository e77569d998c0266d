//! What the cleaning did (`cleaning-report`, with `data-rows-read` and `data-rows-clustered`).

use leptos::prelude::*;

use crate::ui::components::read_warnings::ReadWarnings;
use crate::ui::state::AppState;

#[component]
pub fn CleaningReportView() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        {move || state.cleaned.with(|c| c.as_ref().map(|c| {
            let r = c.report.clone();
            let left_out: Vec<String> = r.rows_left_out.iter().map(|x| format!("{}: {}", x.what, x.count)).collect();
            view! {
                <div class="cleaning-report" data-testid="cleaning-report"
                    data-rows-read=r.rows_read.to_string() data-rows-clustered=r.rows_clustered.to_string()>
                    <h3>"Cleaning report"</h3>
                    <ReadWarnings warnings=r.warnings.clone() label="Warnings about the rows clustered"/>
                    <ul>
                        <li>{format!("Rows read: {}. Rows clustered: {}.", r.rows_read, r.rows_clustered)}</li>
                        {(!left_out.is_empty()).then(|| view! {
                            <li>{format!("Rows left out (kept in the download with the reason): {}.", left_out.join("; "))}</li>
                        })}
                        <li>{format!("Features ({}): {}.", c.feature_names.len(), c.feature_names.join(", "))}</li>
                        {(!r.imputed.is_empty()).then(|| view! {
                            <li>{format!("Missing values filled: {}.", r.imputed.iter().map(|x| format!("{}: {} cells", x.what, x.count)).collect::<Vec<_>>().join("; "))}</li>
                        })}
                        {(!r.clipped.is_empty()).then(|| view! {
                            <li>{format!("Outliers clipped: {}.", r.clipped.iter().map(|x| format!("{}: {} values", x.what, x.count)).collect::<Vec<_>>().join("; "))}</li>
                        })}
                        {(!r.log_transformed.is_empty()).then(|| view! {
                            <li>{format!("Log-transformed (ln(1 + x)): {}.", r.log_transformed.join(", "))}</li>
                        })}
                        <li>{format!(
                            "Duplicates: {} rows repeat an earlier row exactly, {} ignoring ID columns.",
                            r.duplicates_exact, r.duplicates_ignoring_ids
                        )}</li>
                        <li>{format!("Scaling: {:?}.", r.scaling).to_lowercase()}</li>
                        {(!r.columns_left_out_reasons.is_empty()).then(|| view! {
                            <li>{format!("Columns not used: {}.", r.columns_left_out_reasons.iter().map(|(c, why)| format!("{c} ({why})")).collect::<Vec<_>>().join("; "))}</li>
                        })}
                        {r.notes.iter().map(|n| view! { <li class="warning">{n.clone()}</li> }).collect_view()}
                    </ul>
                </div>
            }
        }))}
    }
}
