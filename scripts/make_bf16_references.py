#!/usr/bin/env python3
"""The float64 reference of each HF fixture's model with its weights rounded
to bf16: what an artifact compiled with --dtype=bf16 holds.

    python3 scripts/make_bf16_references.py test/fixtures/hf [--only llama,mamba2]

writes <fixture>/reference_bf16.safetensors (prompt_ids, float64 logits of
the prompt, the greedy continuation) beside reference.safetensors. A bf16
artifact is checked against it (fixture-check --reference
reference_bf16.safetensors --rtol 2e-2): the distance then measures the
compiler's arithmetic (bf16 GEMM operands, f32 accumulation), not the
rounding of the weights, which is the same for every bf16 implementation and
which, on these tiny models with every parameter perturbed, alone moves some
fixtures' logits by more than 2e-2 from the f32 model (nemotron_h: 1.4e-1).

Runs on the CPU in the pure float64 mode of make_hf_fixtures.py.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_hf_fixtures as mk  # noqa: E402  (sets the offline, CPU-only env)

import torch  # noqa: E402
from safetensors import safe_open  # noqa: E402
from safetensors.torch import save_file  # noqa: E402
from transformers import AutoModelForCausalLM  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root")
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    only = set(filter(None, args.only.split(",")))
    for name in sorted(os.listdir(args.root)):
        d = os.path.join(args.root, name)
        if not os.path.isfile(os.path.join(d, "reference.safetensors")):
            continue
        if only and name not in only:
            continue
        with safe_open(os.path.join(d, "reference.safetensors"), "pt") as f:
            prompt = f.get_tensor("prompt_ids")
            n = int(f.get_tensor("greedy_ids").numel())
        # from_pretrained, not from_config + load_state_dict: it applies the
        # checkpoint conversions of transformers 5 (fused MoE experts,
        # renamed embeddings) that a plain state dict load skips.
        try:
            model = AutoModelForCausalLM.from_pretrained(
                d, attn_implementation="eager", experts_implementation="eager")
        except TypeError:
            model = AutoModelForCausalLM.from_pretrained(
                d, attn_implementation="eager")
        model.eval()
        model.to(mk.F64)
        with safe_open(os.path.join(d, "reference.safetensors"), "pt") as f:
            ref = f.get_tensor("logits")
        with torch.no_grad():
            # The checkpoint as loaded must reproduce its own reference.
            with mk.PureF64():
                mk.refresh_rotary(model)
                check = mk.fwd_logits(model, prompt)
            loaded = float((check - ref).norm() / ref.norm())
            if loaded > 1e-9:
                sys.exit(f"{name}: the loaded model is {loaded:.3e} from "
                         "reference.safetensors: not the fixture's model")
            for p in model.parameters():
                p.copy_(p.to(torch.bfloat16).to(mk.F64))
            with mk.PureF64():
                mk.refresh_rotary(model)
                logits, toks, gaps, _ = mk.greedy_nocache(model, prompt, n)
        save_file({"prompt_ids": prompt.contiguous(),
                   "logits": logits.to(mk.F64).contiguous(),
                   "greedy_ids": torch.tensor(toks, dtype=torch.int64)},
                  os.path.join(d, "reference_bf16.safetensors"))
        err = float((logits - ref).norm() / ref.norm())
        print(f"{name}: bf16 weights move the logits by {err:.3e} (rel); "
              f"min top-2 gap {min(gaps):.3g}",
              flush=True)


main()
