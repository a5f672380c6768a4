using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Reflection.Emit;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Tests.Support;

/// <summary>
/// Finds, in the IL of an assembly, the calls that create a TorchSharp <see cref="Scalar"/> nobody disposes: implicit
/// conversions of numbers (<c>t.mul(2.0)</c>, <c>addcmul(a, b, 1)</c>) and the TorchSharp overloads that make one
/// inside (<c>a.add(b)</c>, <c>a + b</c>, which pass alpha = 1). Scalars are not tracked by dispose scopes, so each
/// is native memory that only a finalizer frees.
/// </summary>
internal static class ScalarConversions
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>"Type.Method calls Callee" for every such call in <paramref name="assembly"/>.</summary>
    public static IReadOnlyList<string> In(Assembly assembly)
    {
        var found = new List<string>();
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var type in assembly.GetTypes())
        {
            foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                foreach (var callee in Callees(method).Where(CreatesScalar))
                {
                    found.Add($"{type.FullName}.{method.Name} calls {callee.DeclaringType?.Name}.{callee.Name}({string.Join(", ", callee.GetParameters().Select(p => p.ParameterType.Name))})");
                }
            }
        }

        return found;
    }

    private static bool CreatesScalar(MethodBase callee)
    {
        if (callee.DeclaringType == typeof(Scalar) && callee.Name == "op_Implicit")
        {
            return true;
        }

        // TorchSharp's own add(x) and add_(x) call add(x, 1), and a + b calls a.add(b).
        var parameters = callee.GetParameters();
        return callee.DeclaringType == typeof(Tensor)
            && ((callee.Name is "add" or "add_" && parameters.Length == 1) || callee.Name == "op_Addition");
    }

    private static IEnumerable<MethodBase> Callees(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }

        var position = 0;
        while (position < il.Length)
        {
            short value = il[position++];
            if (value == 0xFE)
            {
                value = (short)(0xFE00 | il[position++]);
            }

            var opCode = OpCodesByValue[value];
            if (opCode.OperandType == OperandType.InlineMethod)
            {
                var token = BitConverter.ToInt32(il, position);
                MethodBase? callee = null;
                try
                {
                    callee = method.Module.ResolveMethod(token, method.DeclaringType?.GetGenericArguments(), method.IsGenericMethod ? method.GetGenericArguments() : null);
                }
                catch (ArgumentException)
                {
                }

                if (callee is not null)
                {
                    yield return callee;
                }
            }

            position += OperandSize(opCode, il, position);
        }
    }

    private static int OperandSize(OpCode opCode, byte[] il, int position) => opCode.OperandType switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, position)),
        _ => 4,
    };
}
