"""Behaviour-level attribution: DPO activation differences, probes and concept influence, discovery by clustering."""
from provenance.behaviour.actdiff import (
    BehaviourExample,
    BehaviourVector,
    PairVectors,
    behaviour_vector,
    cosine_to,
    pair_texts,
    pair_vectors,
    rank_pairs,
    source_summary,
)
from provenance.behaviour.activations import mean_response_activations, reference_model, tokenize_completion
from provenance.behaviour.discovery import Discovery, cluster_purity, cluster_rows, clustering_agreement, discover
from provenance.behaviour.probes import Probe, case_activations, concept_scores, fit_probe, precision_at_n, probe_from_store

__all__ = [
    "BehaviourExample", "BehaviourVector", "Discovery", "PairVectors", "Probe", "behaviour_vector", "case_activations",
    "cluster_purity", "cluster_rows", "clustering_agreement", "concept_scores", "cosine_to", "discover", "fit_probe",
    "mean_response_activations", "pair_texts", "pair_vectors", "precision_at_n", "probe_from_store", "rank_pairs",
    "reference_model", "source_summary", "tokenize_completion",
]
