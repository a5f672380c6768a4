#!/usr/bin/env bash
# Runs on the H200 machine (copied to .gpu/bench.sh by gpu-pack.sh): bash .gpu/bench.sh STEP...
# Steps: check, fused, fused-check, fused-suites, graph, graph-check, memory, soak, cpu-soak, layer, training, inference, forward, model, growth,
# cpu-layer, cpu-versus-original, cpu-interleaved, original-cpu, original-cuda, cpu-breakdown, cpu-breakdown-streams, cuda-breakdown, cpu-model,
# cpu-growth, distributed, distributed2, or "suite:FILTER" for one BenchmarkDotNet filter. Each step has its own
# time limit; logs and BenchmarkDotNet's reports go into one archive under $OUT (the tool brings back 8 files at most).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ -d "$here/app" ] || tar -C "$here" -xJf "$here/app.tar.xz"  # gpu-pack.sh ships the app folder compressed
out=${OUT:-/tmp/out}; mkdir -p "$out/logs"
dll=Dendritic.Net.Benchmarks.dll
# BENCH_ARGS adds switches, e.g. "--iterations 10 --iteration-ms 150" for a longer, steadier run.
bdn=(--device "${BENCH_DEVICE:-cuda}" --inprocess --quick ${BENCH_ARGS:-})
budget=${BUDGET:-480}; start=$SECONDS  # seconds for all steps; the archive is written whatever happens
step() { # name, seconds, args...
  local name=$1 secs=$2; shift 2
  local left=$((budget - (SECONDS - start) - 10))
  if [ "$left" -lt 20 ]; then echo "=== $name skipped: out of time"; return; fi
  [ "$secs" -gt "$left" ] && secs=$left
  echo "=== $name ($(date -u +%H:%M:%S), limit ${secs}s)"
  OUT= timeout "$secs" ${PIN:-} bash "$here/run.sh" "$dll" "$@" > "$out/logs/$name.log" 2>&1; echo "=== $name rc=$?"
  # Suites of the same name on two devices would overwrite each other's reports: keep each step's apart.
  if [ -d "$here/app/BenchmarkDotNet.Artifacts/results" ]; then
    mkdir -p "$out/results/$name"; mv "$here/app/BenchmarkDotNet.Artifacts/results/"* "$out/results/$name/" 2>/dev/null
  fi
  grep -E "${SHOW:-^\\||^(\[rank [0-9]+\] )?(PASS|FAIL|STOPPED|\|)|passed|failed|Run time|rror|xception}" "$out/logs/$name.log" | head -120
}
# NVRTC for the fused cascade kernel (Dendritic.Net.Cuda): no CUDA toolkit here, but PyTorch's CUDA wheels carry
# libnvrtc under site-packages/nvidia/.../lib. Its folder also goes on LD_LIBRARY_PATH (libnvrtc-builtins beside it).
nvrtc() {
  if [ -z "${DENDRITIC_NVRTC_PATH:-}" ]; then
    local dirs lib
    dirs=$(python3 -c 'import nvidia; print(" ".join(nvidia.__path__))' 2>/dev/null)
    [ -z "$dirs" ] && dirs=$(python3 -c 'import site; print(" ".join(p + "/nvidia" for p in site.getsitepackages()))' 2>/dev/null)
    lib=$(find $dirs /usr/local/cuda/lib64 -name 'libnvrtc.so.1[0-9]*' 2>/dev/null | sort -V | tail -1)
    [ -n "$lib" ] && export DENDRITIC_NVRTC_PATH=$lib LD_LIBRARY_PATH="$(dirname "$lib")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  fi
  echo "NVRTC: ${DENDRITIC_NVRTC_PATH:-not found: set DENDRITIC_NVRTC_PATH}"
}
# The original perforatedai 3.0.5 on the same shapes (issues #10 and #19): ../shared/anchors/pai_overhead2.py, copied
# with _fallback/ and perforatedai/ into .anchor/ of the checkout (git-ignored) and carried with .gpu. cpu: 2 pinned cores.
original() { # device
  local dev=$1 left=$((budget - (SECONDS - start) - 10)) pin=()
  if [ "$left" -lt 20 ]; then echo "=== original-$dev skipped: out of time"; return; fi
  [ "$dev" = cpu ] && pin=(taskset -c 0,1)
  mkdir -p "$out/results/original-$dev"
  echo "=== original-$dev ($(date -u +%H:%M:%S), limit ${left}s)"
  PAI_DEVICE=$dev PAI_ITERS=${PAI_ITERS:-15} OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 OUT="$out/results/original-$dev" \
    timeout "$left" "${pin[@]}" python3 "$here/../.anchor/pai_overhead2.py" > "$out/logs/original-$dev.log" 2>&1
  echo "=== original-$dev rc=$?"; tail -n 40 "$out/logs/original-$dev.log"
}
# NCCL for the distributed steps: multicast off (forbidden on these machines), and the pip wheel's libnccl.so.2 named
# explicitly (the library also finds it next to torch/lib on LD_LIBRARY_PATH, or already loaded by libtorch_cuda).
nccl_env() {
  export NCCL_NVLS_ENABLE=0
  [ -n "${DENDRITIC_NCCL_PATH:-}" ] || export DENDRITIC_NCCL_PATH=$(python3 -c 'import glob, os, site; c = [p for s in site.getsitepackages() for p in sorted(glob.glob(os.path.join(s, "nvidia", "*", "lib", "libnccl.so.2")))]; print(c[0] if c else "")' 2>/dev/null)
  echo "NCCL: ${DENDRITIC_NCCL_PATH:-libnccl.so.2 from the loader}"
}
# One extraction of the runtime for processes that run side by side: ../shared/gpu/run.sh's setup (copied here as
# run.sh), which extracts on every call and would race. The exports stay for later steps, which is harmless.
dotnet_env() {
  mkdir -p /tmp/dotnet && tar -C /tmp/dotnet -xJf "$here/dotnet-rt.tar.xz"
  export DOTNET_ROOT=/tmp/dotnet DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
  export LD_LIBRARY_PATH="$(python3 -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
}
# Issue #19: ROUNDS rounds of our versus-probe and the original's pai_overhead2.py back to back on one core pair,
# the order alternating between rounds (and between streams). Read with: versus-rounds FOLDER.
interleave() { # stream number, core list
  local k=$1 cores=$2 r who d left
  for r in $(seq 1 "${ROUNDS:-3}"); do
    d="$out/results/cpu-interleaved/stream-$k/round-$r"; mkdir -p "$d"
    for who in $([ $(((r + k) % 2)) = 0 ] && echo "ours theirs" || echo "theirs ours"); do
      left=$((budget - (SECONDS - start) - 15)); [ "$left" -lt 30 ] && { echo "=== stream $k round $r $who skipped: out of time"; continue; }
      echo "=== cpu-interleaved stream $k (cores $cores) round $r: $who ($(date -u +%H:%M:%S))"
      if [ "$who" = ours ]; then
        (cd "$here/app" && OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 timeout "$left" taskset -c "$cores" /tmp/dotnet/dotnet "$dll" versus-probe cpu "${PAI_ITERS:-15}" "$d/ours_probe.json") > "$d/ours.log" 2>&1
      else
        PAI_DEVICE=cpu PAI_ITERS=${PAI_ITERS:-15} OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 OUT="$d" \
          timeout "$left" taskset -c "$cores" python3 "$here/../.anchor/pai_overhead2.py" > "$d/original.log" 2>&1
      fi
      echo "=== rc=$?"
    done
  done
}
for s in "$@"; do
  case $s in
    check) step cuda-check 120 cuda-check ;;
    # Issue #10's fused cascade in one call (docs/cuda.md): exactness (PASS/FAIL per case, cascade timing), then the
    # layer suites with the reference and the fused kernel side by side, one process per suite and size so that a
    # cut-off run keeps what finished (training first). ~8 min on the H200 with the default BUDGET.
    # fused-check and fused-suites run the two halves alone; FUSED_SUITES picks suites, sizes and time limits.
    fused|fused-check|fused-suites) nvrtc
      [ "$s" = fused-suites ] || SHOW='FAIL|^#|x \|$|^part|fused-check:|NVRTC|rror|xception' step fused-check 100 fused-check
      [ "$s" = fused-check ] || for f in ${FUSED_SUITES:-LayerTraining:small:125 LayerTraining:large:125 LayerInference:small:75 LayerInference:large:75}; do
        IFS=: read -r suite size secs <<<"$f"
        step "fused-$suite-$size" "$secs" --filter "*$suite*" "${bdn[@]}" --size "$size" --kernel reference,cuda --iterations "${FUSED_ITERS:-4}"
      done ;;
    # CUDA graphs (CudaGraphStep): graph-check (replayed step against eager, bit for bit), then the layer suites with
    # every step captured and replayed, plain and dendrite layer alike; GRAPH_SUITES and GRAPH_CAPTURE pick what runs.
    graph|graph-check) nvrtc
      SHOW='FAIL|PASS|^#|graph-check:|rror|xception' step graph-check 150 graph-check
      [ "$s" = graph-check ] || for f in ${GRAPH_SUITES:-LayerTraining:small:150 LayerInference:small:90 LayerTraining:large:150 LayerInference:large:90}; do
        IFS=: read -r suite size secs <<<"$f"
        step "graph-$suite-$size" "$secs" --filter "*$suite*" "${bdn[@]}" --size "$size" --kernel "${GRAPH_KERNELS:-reference,cuda}" --capture "${GRAPH_CAPTURE:-eager,graph}" --iterations "${FUSED_ITERS:-4}"
      done ;;
    memory) step cuda-memory 200 cuda-memory ;;
    layer) for f in LayerTraining LayerInference LayerForward; do step "$f" 200 --filter "*$f*" "${bdn[@]}"; done ;;
    training|inference|forward) f=Layer${s^}; step "$f" 200 --filter "*$f*" "${bdn[@]}" ;;
    # Memory over a long run (docs/benchmarks.md, memory section): ~2 min on the H200. SOAK_ARGS adds switches.
    soak) step soak 400 soak --device "${BENCH_DEVICE:-cuda}" --steps 20000 ${SOAK_ARGS:-} ;;
    cpu-soak) PIN="taskset -c 0,1" OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 step cpu-soak 400 soak --device cpu --steps 20000 ${SOAK_ARGS:-} ;;
    model) step ModelTraining 120 --filter '*ModelTraining*' "${bdn[@]}" ;;
    growth) step GrowthStep 90 --filter '*GrowthStep*' "${bdn[@]}" ;;
    # The CPU suites on two pinned cores of this otherwise idle machine: the "2 CPU cores" numbers without the
    # noise of a shared developer box.
    cpu-layer) for f in LayerTraining LayerInference LayerForward; do
        PIN="taskset -c 0,1" OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 step "cpu-$f" 240 --filter "*$f*" --device cpu --inprocess --quick; done ;;
    # Issue #19's table in one call: our training and inference suites, then the original, on the same 2 pinned cores.
    cpu-versus-original) for f in LayerTraining:250 LayerInference:170; do
        PIN="taskset -c 0,1" OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 step "cpu-${f%:*}" "${f#*:}" --filter "*${f%:*}*" --device cpu --inprocess --quick ${BENCH_ARGS:-}; done
      original cpu ;;
    # Issue #19 again, interleaved: ROUNDS rounds of our probe (VersusProbe.cs, the original's protocol) and the
    # original back to back, the order alternating, on CORES (default 2,3: away from core 0's interrupts). Table:
    # dotnet Dendritic.Net.Benchmarks.dll versus-rounds FOLDER (the unpacked results/cpu-interleaved).
    # STREAMS="2,3 6,7 ..." runs one such sequence per core pair side by side (stream-K/round-N/), the first program
    # alternating between streams too, so that at the start half the streams run each program (the two programs'
    # unequal run times shift that later).
    cpu-interleaved) k=0; dotnet_env
      for cores in ${STREAMS:-${CORES:-2,3}}; do
        k=$((k + 1)); interleave "$k" "$cores" > "$out/logs/cpu-interleaved-stream-$k.log" 2>&1 &
      done
      wait; cat "$out"/logs/cpu-interleaved-stream-*.log
      (cd "$here/app" && /tmp/dotnet/dotnet "$dll" versus-rounds "$out/results/cpu-interleaved") 2>&1 | tail -n 40 ;;
    original-cpu) original cpu ;;
    original-cuda) original cuda ;;
    # Where the CPU time goes, per piece and projection path (CostBreakdown.cs): ROUNDS interleaved rounds.
    cpu-breakdown) PIN="taskset -c 0,1" OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 step cpu-breakdown 300 breakdown cpu "${ROUNDS:-5}" ;;
    # The same on several core pairs at once, one case per pair (BREAKDOWN_STREAMS="CORES:CASE ..."), D list BREAKDOWN_D,
    # only the variants named in BREAKDOWN_VARIANTS (default: the plain and separate-path training steps); one log per case.
    cpu-breakdown-streams) dotnet_env
      for sc in ${BREAKDOWN_STREAMS:-2,3:Linear/small 6,7:Linear/large 10,11:Conv2d/small 14,15:Conv2d/large}; do
        left=$((budget - (SECONDS - start) - 15)); c=${sc#*:}
        (cd "$here/app" && OUT= OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 timeout "$left" taskset -c "${sc%%:*}" /tmp/dotnet/dotnet "$dll" breakdown cpu "${ROUNDS:-5}" "$c" "${BREAKDOWN_D:-1,2,4}" float32 "${BREAKDOWN_VARIANTS:-plain train|ours train, separate}") > "$out/logs/cpu-breakdown-${c//\//-}.log" 2>&1 &
      done
      wait; cat "$out"/logs/cpu-breakdown-*.log ;;
    # The same on CUDA (issue #10: why bfloat16 Linear small at D = 2 and 4 is slow), per dtype.
    cuda-breakdown) for dt in ${BREAKDOWN_DTYPES:-bfloat16 float32}; do
        step "cuda-breakdown-$dt" 150 breakdown cuda "${ROUNDS:-20}" "${BREAKDOWN_CASES:-Linear/small}" "${BREAKDOWN_D:-1,2,4}" "$dt"; done ;;
    cpu-model) PIN="taskset -c 0,1" OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 step cpu-ModelTraining 150 --filter '*ModelTraining*' --device cpu --inprocess --quick ;;
    cpu-growth) PIN="taskset -c 0,1" OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 step cpu-GrowthStep 100 --filter '*GrowthStep*' --device cpu --inprocess --quick ;;
    # Issue #15 on one GPU: NCCL with a single rank (id made in-process), then the launcher's file rendezvous with 1 rank.
    distributed) nccl_env; step distributed-check 180 distributed-check; step distributed-launch-1 240 distributed-launch --gpus 1 ;;
    # On a machine with 2 GPUs: 2 processes, decisions and parameters compared, samples/s of 1 vs 2 GPUs.
    # A wider MLP (33.6 M parameters) so that a step is long enough to show scaling; DIST_ARGS overrides.
    distributed2) nccl_env; step distributed-launch-2 360 distributed-launch --gpus 2 --compare ${DIST_ARGS:---width 4096 --batch 2048 --samples 65536 --epochs 6}
      step distributed-failure-2 100 distributed-launch --gpus 2 --inject-failure --epochs 2 ;;
    suite:*) f=${s#suite:}; step "${f//[^A-Za-z0-9]/_}" 300 --filter "$f" "${bdn[@]}" ;;
    *) echo "=== unknown step '$s' (see the steps listed at the top of this file)"; exit 2 ;;
  esac
done
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv > "$out/logs/nvidia-smi.csv" 2>&1
lscpu > "$out/logs/lscpu.txt" 2>&1; lscpu -e > "$out/logs/lscpu-e.txt" 2>&1
python3 -c 'import torch; print(torch.__version__, torch.version.cuda)' > "$out/logs/torch.txt" 2>&1
tar -C "$out" -czf "$out/results.tar.gz" logs results 2>/dev/null && rm -rf "$out/logs" "$out/results"
ls -la "$out"
