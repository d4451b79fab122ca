//! Ranking for matching, where the query is built from a whole listing rather than typed: a
//! first pass by BM25 with weighted terms, and the statistics a re-scoring of its candidates
//! needs.

use std::collections::{BTreeMap, BTreeSet};

use tantivy::collector::TopDocs;
use tantivy::postings::Postings;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, DocSet, Term};
use techmatch_domain::Viewer;
use techmatch_domain::listing::ListingKind;

use super::{SearchError, SearchFilters, SearchIndex};
use crate::cache::VisibilityScope;

/// How much a match in each field counts, relative to the body.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldBoosts {
    pub title: f32,
    pub keywords: f32,
    pub body: f32,
}

impl Default for FieldBoosts {
    fn default() -> Self {
        FieldBoosts { title: 3.0, keywords: 2.5, body: 1.0 }
    }
}

impl SearchIndex {
    /// Ranks listings of `kind` visible to `viewer` for weighted terms (already analysed), by
    /// BM25 over title, keywords and body with each term's weight as a boost. For matching,
    /// where the query is built from a whole document rather than typed.
    pub fn rank_terms(
        &self,
        viewer: Viewer,
        kind: ListingKind,
        terms: &[(String, f32)],
        limit: usize,
    ) -> Result<Vec<(i64, f32)>, SearchError> {
        self.rank_terms_boosted(viewer, kind, terms, limit, FieldBoosts::default())
    }

    /// [`SearchIndex::rank_terms`] with other field boosts.
    pub fn rank_terms_boosted(
        &self,
        viewer: Viewer,
        kind: ListingKind,
        terms: &[(String, f32)],
        limit: usize,
        boosts: FieldBoosts,
    ) -> Result<Vec<(i64, f32)>, SearchError> {
        self.rank_terms_within(viewer, kind, &SearchFilters::default(), terms, limit, boosts)
    }

    /// [`SearchIndex::rank_terms_boosted`] among the listings that pass `filters` (their kind
    /// is `kind`'s).
    pub fn rank_terms_within(
        &self,
        viewer: Viewer,
        kind: ListingKind,
        filters: &SearchFilters,
        terms: &[(String, f32)],
        limit: usize,
        boosts: FieldBoosts,
    ) -> Result<Vec<(i64, f32)>, SearchError> {
        let searcher = self.reader.searcher();
        let filters = SearchFilters { kind: Some(kind), ..filters.clone() };
        let top = self.first_pass(&searcher, viewer, &filters, terms, limit, boosts)?;
        Ok(top.into_iter().filter_map(|(score, address)| Some((listing_id(&searcher, address)?, score))).collect())
    }

    /// The best `limit` listings for weighted terms among those that pass `filters` (which name
    /// the kind).
    fn first_pass(
        &self,
        searcher: &tantivy::Searcher,
        viewer: Viewer,
        filters: &SearchFilters,
        terms: &[(String, f32)],
        limit: usize,
        boosts: FieldBoosts,
    ) -> Result<Vec<(f32, DocAddress)>, SearchError> {
        if terms.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let fields = [
            (self.fields.title, boosts.title),
            (self.fields.keywords, boosts.keywords),
            (self.fields.body, boosts.body),
        ];
        let mut text: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (term, weight) in terms {
            for (field, boost) in fields {
                let query = TermQuery::new(Term::from_field_text(field, term), IndexRecordOption::WithFreqs);
                text.push((Occur::Should, Box::new(BoostQuery::new(Box::new(query), boost * weight))));
            }
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, Box::new(BooleanQuery::new(text)))];
        clauses.extend(self.filter_clauses(VisibilityScope::of(viewer), filters));
        Ok(searcher.search(&BooleanQuery::new(clauses), &TopDocs::with_limit(limit).order_by_score())?)
    }

    /// The first `query.limit` listings of `kind` visible to `viewer` for the first weighted terms (as
    /// [`SearchIndex::rank_terms_boosted`] ranks them), with what a re-scoring needs to know of
    /// each: field lengths, each term's occurrences per field, and how often each pair of terms
    /// occurs close together in the body; and the corpus figures BM25 needs.
    pub fn candidate_statistics(
        &self,
        viewer: Viewer,
        kind: ListingKind,
        query: &CandidateQuery<'_>,
    ) -> Result<(Vec<CandidateStatistics>, CorpusStatistics), SearchError> {
        let CandidateQuery { terms, first_pass_terms, pairs, limit, boosts, pair_slack, filters } = *query;
        let searcher = self.reader.searcher();
        let first_terms = &terms[..first_pass_terms.min(terms.len())];
        let filters = SearchFilters { kind: Some(kind), ..filters.clone() };
        let top = self.first_pass(&searcher, viewer, &filters, first_terms, limit, boosts)?;
        let fields = [self.fields.title, self.fields.keywords, self.fields.body];
        let mut corpus = CorpusStatistics {
            documents: searcher.num_docs(),
            average_lengths: [0.0; 3],
            document_frequencies: Vec::with_capacity(terms.len()),
        };
        let mut totals = [0u64; 3];
        for segment in searcher.segment_readers() {
            for (slot, field) in fields.iter().enumerate() {
                totals[slot] += segment.inverted_index(*field)?.total_num_tokens();
            }
        }
        for (slot, total) in totals.iter().enumerate() {
            corpus.average_lengths[slot] = *total as f32 / corpus.documents.max(1) as f32;
        }
        for (term, _) in terms {
            let mut frequencies = [0u64; 3];
            for (slot, field) in fields.iter().enumerate() {
                frequencies[slot] = searcher.doc_freq(&Term::from_field_text(*field, term))?;
            }
            corpus.document_frequencies.push(frequencies);
        }

        let mut candidates: Vec<CandidateStatistics> = Vec::with_capacity(top.len());
        let mut addresses: Vec<(DocAddress, usize)> = Vec::with_capacity(top.len());
        for (score, address) in &top {
            if let Some(id) = listing_id(&searcher, *address) {
                addresses.push((*address, candidates.len()));
                candidates.push(CandidateStatistics {
                    id,
                    retrieval_score: *score,
                    lengths: [0; 3],
                    term_frequencies: vec![[0; 3]; terms.len()],
                    pair_frequencies: vec![0; pairs.len()],
                });
            }
        }
        // Postings are read forwards only: visit each segment's candidates in document order.
        addresses.sort_by_key(|(address, _)| (address.segment_ord, address.doc_id));
        let paired: BTreeSet<&str> = pairs.iter().flat_map(|(a, b)| [a.as_str(), b.as_str()]).collect();
        let mut start = 0;
        while start < addresses.len() {
            let segment_ord = addresses[start].0.segment_ord;
            let end = addresses[start..]
                .iter()
                .position(|(address, _)| address.segment_ord != segment_ord)
                .map_or(addresses.len(), |offset| start + offset);
            let in_segment = &addresses[start..end];
            let segment = searcher.segment_reader(segment_ord);
            for (slot, field) in fields.iter().enumerate() {
                let norms = segment.get_fieldnorms_reader(*field)?;
                for (address, candidate) in in_segment {
                    candidates[*candidate].lengths[slot] = norms.fieldnorm(address.doc_id);
                }
            }
            // Body positions of the paired terms, per candidate (in `in_segment` order).
            let mut positions: BTreeMap<&str, Vec<Vec<u32>>> = BTreeMap::new();
            let inverted_indexes = [
                segment.inverted_index(fields[0])?,
                segment.inverted_index(fields[1])?,
                segment.inverted_index(fields[2])?,
            ];
            for (term_index, (term, _)) in terms.iter().enumerate() {
                for (slot, (field, inverted)) in fields.iter().zip(&inverted_indexes).enumerate() {
                    let wants_positions = slot == 2 && paired.contains(term.as_str());
                    let option = if wants_positions {
                        IndexRecordOption::WithFreqsAndPositions
                    } else {
                        IndexRecordOption::WithFreqs
                    };
                    let Some(mut postings) = inverted
                        .read_postings(&Term::from_field_text(*field, term), option)
                        .map_err(|error| SearchError::Index(error.into()))?
                    else {
                        continue;
                    };
                    let mut found = wants_positions.then(|| vec![Vec::new(); in_segment.len()]);
                    for (position_in_segment, (address, candidate)) in in_segment.iter().enumerate() {
                        if postings.doc() > address.doc_id || postings.seek(address.doc_id) != address.doc_id {
                            continue;
                        }
                        candidates[*candidate].term_frequencies[term_index][slot] = postings.term_freq();
                        if let Some(found) = found.as_mut() {
                            postings.positions(&mut found[position_in_segment]);
                        }
                    }
                    if let Some(found) = found {
                        positions.insert(term.as_str(), found);
                    }
                }
            }
            for (pair_index, (first, second)) in pairs.iter().enumerate() {
                let (Some(firsts), Some(seconds)) = (positions.get(first.as_str()), positions.get(second.as_str()))
                else {
                    continue;
                };
                let reach = first.chars().count() as u32 + pair_slack;
                for (position_in_segment, (_, candidate)) in in_segment.iter().enumerate() {
                    candidates[*candidate].pair_frequencies[pair_index] =
                        close_pairs(&firsts[position_in_segment], &seconds[position_in_segment], reach);
                }
            }
            start = end;
        }
        Ok((candidates, corpus))
    }

    /// In how many listings' bodies `term` (an analysed term) occurs.
    pub fn document_frequency(&self, term: &str) -> u64 {
        let searcher = self.reader.searcher();
        searcher.doc_freq(&Term::from_field_text(self.fields.body, term)).unwrap_or(0)
    }
}

/// The listing id stored with a document.
fn listing_id(searcher: &tantivy::Searcher, address: DocAddress) -> Option<i64> {
    searcher
        .segment_reader(address.segment_ord)
        .fast_fields()
        .i64("id")
        .ok()
        .and_then(|column| column.first(address.doc_id))
}

/// How many occurrences of the second term start after, and at most `reach` characters after,
/// an occurrence of the first (positions are character offsets; both lists ascending).
fn close_pairs(firsts: &[u32], seconds: &[u32], reach: u32) -> u32 {
    let mut count = 0;
    let mut lower = 0;
    for first in firsts {
        while lower < seconds.len() && seconds[lower] <= *first {
            lower += 1;
        }
        if seconds.get(lower).is_some_and(|second| *second - *first <= reach) {
            count += 1;
        }
    }
    count
}

/// What [`SearchIndex::candidate_statistics`] looks for.
#[derive(Debug, Clone, Copy)]
pub struct CandidateQuery<'a> {
    /// Analysed terms and their weights, whose statistics are read.
    pub terms: &'a [(String, f32)],
    /// How many of `terms`, from the first, make the first pass's query.
    pub first_pass_terms: usize,
    /// Pairs of terms (both among `terms`) whose closeness in the body is counted.
    pub pairs: &'a [(String, String)],
    pub limit: usize,
    pub boosts: FieldBoosts,
    /// The second term of a pair may start at most this many characters after the end of the
    /// first (positions are character offsets).
    pub pair_slack: u32,
    /// Only listings that pass these are candidates (their kind is the one asked for).
    pub filters: &'a SearchFilters,
}

/// One candidate of [`SearchIndex::candidate_statistics`]. Field slots are title, keywords, body.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateStatistics {
    pub id: i64,
    pub retrieval_score: f32,
    /// Each field's length in tokens (tantivy's field norm, exact up to 40, then approximate).
    pub lengths: [u32; 3],
    /// Per query term, its occurrences in each field.
    pub term_frequencies: Vec<[u32; 3]>,
    /// Per query pair, how often the pair occurs close together in the body.
    pub pair_frequencies: Vec<u32>,
}

/// Corpus figures for BM25: documents, each field's average length, each term's document
/// frequency per field.
#[derive(Debug, Clone, PartialEq)]
pub struct CorpusStatistics {
    pub documents: u64,
    pub average_lengths: [f32; 3],
    pub document_frequencies: Vec<[u64; 3]>,
}
