//! The index's schema: one for both listing kinds, with the facets searches count and filter by.

use tantivy::schema::{
    FAST, Facet, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions,
};

use crate::analyzer::ANALYZER;

/// Bumped whenever the schema or the analysis changes; an index of another version is rebuilt.
pub const SCHEMA_VERSION: u32 = 2;

#[derive(Clone, Copy)]
pub(super) struct Fields {
    pub(super) key: Field,
    pub(super) kind: Field,
    pub(super) id: Field,
    pub(super) title: Field,
    pub(super) body: Field,
    pub(super) keywords: Field,
    pub(super) organization: Field,
    pub(super) public: Field,
    pub(super) status: Field,
    pub(super) facet_kind: Field,
    pub(super) facet_industry: Field,
    pub(super) facet_field: Field,
    pub(super) facet_maturity: Field,
    pub(super) facet_region: Field,
    pub(super) facet_transfer_mode: Field,
    pub(super) facet_status: Field,
    pub(super) challenge: Field,
}

/// Facet names as they appear in answers.
pub const FACETS: [&str; 7] = ["kind", "industry", "field", "maturity", "region", "transfer_mode", "status"];

pub(super) fn build_schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let facet = FacetOptions::default();
    let fields = Fields {
        key: builder.add_text_field("key", STRING),
        kind: builder.add_text_field("kind", STRING | STORED),
        id: builder.add_i64_field("id", STORED | FAST),
        title: builder.add_text_field("title", text.clone()),
        body: builder.add_text_field("body", text.clone()),
        keywords: builder.add_text_field("keywords", text),
        organization: builder.add_i64_field("organization", INDEXED),
        public: builder.add_bool_field("public", INDEXED),
        status: builder.add_text_field("status", STRING),
        facet_kind: builder.add_facet_field("facet_kind", facet.clone()),
        facet_industry: builder.add_facet_field("facet_industry", facet.clone()),
        facet_field: builder.add_facet_field("facet_field", facet.clone()),
        facet_maturity: builder.add_facet_field("facet_maturity", facet.clone()),
        facet_region: builder.add_facet_field("facet_region", facet.clone()),
        facet_transfer_mode: builder.add_facet_field("facet_transfer_mode", facet.clone()),
        facet_status: builder.add_facet_field("facet_status", facet),
        challenge: builder.add_bool_field("challenge", INDEXED),
    };
    (builder.build(), fields)
}

/// `/420000/420100/420111` for county 420111, so that a filter on the province or the city
/// matches every county inside.
pub(super) fn region_facet(code: &str) -> Facet {
    let code = code.trim();
    if code.len() != 6 || !code.is_ascii() {
        return Facet::from_path([code]);
    }
    let province = format!("{}0000", &code[..2]);
    let prefecture = format!("{}00", &code[..4]);
    let mut path = vec![province.clone()];
    if prefecture != province {
        path.push(prefecture.clone());
    }
    if code != prefecture && code != province {
        path.push(code.to_owned());
    }
    Facet::from_path(path)
}

/// The last part of a facet's path: the value an answer names.
pub(super) fn facet_leaf(facet: &Facet) -> String {
    facet.to_path().last().map(|leaf| (*leaf).to_owned()).unwrap_or_default()
}
