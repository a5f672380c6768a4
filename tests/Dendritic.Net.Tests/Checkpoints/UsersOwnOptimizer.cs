using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Tests.Checkpoints;

/// <summary>
/// An optimizer of a user's own, derived from TorchSharp's <see cref="OptimizerHelper"/> as TorchSharp's own are, whose
/// state breaks the rules of TorchSharp's: a factored moment (one value per row, not the parameter's shape), a
/// sentinel counter of -1 and an infinite best. Plain SGD otherwise.
/// </summary>
internal sealed class UsersOwnOptimizer : OptimizerHelper
{
    public UsersOwnOptimizer(IEnumerable<Parameter> parameters, double lr)
    {
        _defaults = new OptimizerOptions { LearningRate = lr, InitialLearningRate = lr };
        _parameter_groups = [];
        add_param_group(new ParamGroup<OptimizerOptions>(parameters.ToList()));
    }

    public override void add_param_group(ParamGroup param_group)
    {
        param_group.Options ??= new OptimizerOptions { LearningRate = _defaults.LearningRate, InitialLearningRate = _defaults.InitialLearningRate };
        _parameter_groups.Add(param_group);
        foreach (var parameter in param_group.Parameters)
        {
            var state = new State(parameter);
            state.Initialize(param_group.Options);
            _state[parameter.Handle] = state;
        }
    }

    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        foreach (var parameter in group.Parameters.Where(p => p.grad is not null))
        {
            var state = (State)_state[parameter.Handle];
            state.row.copy_(parameter.grad!.abs().reshape(parameter.shape[0], -1).mean([1L]));
            state.last_bad++;
            parameter.add_(parameter.grad!, alpha: -group.Options.LearningRate!.Value);
        }
    }, closure);

    public sealed class State(Parameter parameter) : OptimizerState(parameter)
    {
        public Tensor row = null!;
        public int last_bad = -1;
        public double best = double.PositiveInfinity;

        public override void Initialize(OptimizerOptions options)
        {
            row = zeros(_parameter.shape[0], dtype: _parameter.dtype).DetachFromDisposeScope();
            last_bad = -1;
            best = double.PositiveInfinity;
        }

        public override void SaveStateDict(BinaryWriter writer)
        {
            writer.Write(last_bad);
            writer.Write(best);
            TorchSharp.TensorExtensionMethods.Save(row, writer);
        }

        public override void LoadStateDict(BinaryReader reader)
        {
            last_bad = reader.ReadInt32();
            best = reader.ReadDouble();
            TorchSharp.TensorExtensionMethods.Load(row, reader);
        }

        public override void LoadStateDict(OptimizerState source) => throw new NotSupportedException();
    }
}
