//! What separates the segments (`separation`): per feature, the share of its variance that
//! lies between the segments (η²) and the F statistic, most separating first, with a
//! sentence naming the leader and the features that barely differ.

use leptos::prelude::*;

use crate::core::segments::separation_sentence;
use crate::ui::state::AppState;

#[component]
pub fn Separation() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        {move || state.report.with(|r| r.as_ref().filter(|r| !r.segmentation.separation.is_empty()).map(|r| {
            let sep = r.segmentation.separation.clone();
            let sentence = separation_sentence(&sep).unwrap_or_default();
            let rows = sep.into_iter().map(|s| view! {
                <tr data-feature=s.name.clone() data-eta2=format!("{:.4}", s.eta2)>
                    <th scope="row">{s.name.clone()}</th>
                    <td class="num">{format!("{:.0}%", 100.0 * s.eta2)}</td>
                    <td class="bar-cell" aria-hidden="true"><span class="bar" style=format!("width: {:.1}%", 100.0 * s.eta2)></span></td>
                    <td class="num">{s.f.map_or_else(|| "–".to_owned(), |f| if f >= 1000.0 { format!("{f:.0}") } else { format!("{f:.1}") })}</td>
                </tr>
            }).collect_view();
            view! {
                <div class="separation">
                    <h3>"What separates the segments"</h3>
                    <p data-testid="separation-sentence">{sentence}</p>
                    <div class="table-scroll" tabindex="0" aria-label="What separates the segments">
                        <table data-testid="separation" class="separation-table">
                            <caption>"Share of each feature's variance that lies between the segments (η², one-way ANOVA) and the F statistic; most separating first."</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Feature"</th>
                                    <th scope="col">"Between segments (η²)"</th>
                                    <th scope="col"><span class="visually-hidden">"Bar"</span></th>
                                    <th scope="col">"F"</th>
                                </tr>
                            </thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                </div>
            }
        }))}
    }
}
