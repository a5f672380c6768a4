using System;
using System.Collections.Generic;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Export;

/// <summary>
/// One node as <see cref="SampleEvaluator"/> computes it: its inputs' sample values and its attributes, read with
/// ONNX's defaults. An input or attribute it cannot use (missing, of another type, a form the evaluator does not
/// compute) records why in <see cref="Refusal"/>, and the node's value stays unknown.
/// </summary>
internal sealed class SampleNode
{
    private readonly IReadOnlyList<Tensor?> _inputs;
    private readonly IReadOnlyDictionary<string, object>? _attributes;

    public SampleNode(string opType, IReadOnlyList<Tensor?> inputs, IReadOnlyDictionary<string, object>? attributes)
    {
        OpType = opType;
        _inputs = inputs;
        _attributes = attributes;
    }

    public string OpType { get; }

    /// <summary>How many inputs the node has, optional ones left empty included.</summary>
    public int Count => _inputs.Count;

    /// <summary>Why the node's value cannot be computed; null while nothing stands in the way.</summary>
    public string? Refusal { get; private set; }

    /// <summary>Input <paramref name="index"/>, which the operator requires (<see cref="SampleEvaluator"/> checked that it is there).</summary>
    public Tensor this[int index] => _inputs[index] ?? throw new InvalidOperationException($"{OpType}'s input {index} is required but was not checked.");

    /// <summary>An optional input: null when the node leaves it empty or does not have it.</summary>
    public Tensor? Optional(int index) => index < _inputs.Count ? _inputs[index] : null;

    /// <summary>Every input, for the variadic operators; null (and refused) when one is left empty.</summary>
    public IReadOnlyList<Tensor>? All()
    {
        var all = new List<Tensor>(_inputs.Count);
        foreach (var input in _inputs)
        {
            if (input is null)
            {
                Refuse("an input is left empty");
                return null;
            }

            all.Add(input);
        }

        return all;
    }

    /// <summary>Records why the value cannot be computed (the first reason wins) and returns null, the unknown value.</summary>
    public Tensor? Refuse(string reason)
    {
        Refusal ??= reason;
        return null;
    }

    /// <summary>An integer attribute, or <paramref name="fallback"/> when the node does not set it.</summary>
    public long Int(string name, long fallback) => Int(name) ?? fallback;

    /// <summary>An integer attribute, or null when the node does not set it (or sets a value of another type, refused).</summary>
    public long? Int(string name)
    {
        switch (Value(name))
        {
            case null:
                return null;
            case long l:
                return l;
            case int i:
                return i;
            case bool b:
                return b ? 1 : 0;
            default:
                Refuse($"its attribute '{name}' is not an integer");
                return null;
        }
    }

    /// <summary>A float attribute, or <paramref name="fallback"/> when not set; rounded to float32, as the file stores it.</summary>
    public double Float(string name, double fallback)
    {
        switch (Value(name))
        {
            case null:
                return fallback;
            case double d:
                return (float)d;
            case float f:
                return f;
            case long l:
                return l;
            case int i:
                return i;
            default:
                Refuse($"its attribute '{name}' is not a number");
                return fallback;
        }
    }

    /// <summary>An integer-list attribute, or null when not set (or not a list of integers, refused).</summary>
    public long[]? Ints(string name)
    {
        switch (Value(name))
        {
            case null:
                return null;
            case long[] longs:
                return longs;
            case int[] ints:
                return Array.ConvertAll(ints, i => (long)i);
            default:
                Refuse($"its attribute '{name}' is not a list of integers");
                return null;
        }
    }

    /// <summary>A string attribute, or <paramref name="fallback"/> when not set.</summary>
    public string String(string name, string fallback)
    {
        switch (Value(name))
        {
            case null:
                return fallback;
            case string s:
                return s;
            default:
                Refuse($"its attribute '{name}' is not a string");
                return fallback;
        }
    }

    /// <summary>
    /// The <c>axis</c> attribute (<paramref name="fallback"/> when not set) counted from the front for an input of
    /// <paramref name="rank"/> axes; null (refused) when it is not one of them, or, with <paramref name="rankIncluded"/>
    /// (Flatten's axis, which may stand after the last), not one of them or <paramref name="rank"/>.
    /// </summary>
    public long? AxisAttribute(long fallback, long rank, bool rankIncluded = false)
    {
        var given = Int("axis", fallback);
        var axis = Axis(given, rank);
        if (axis < 0 || axis > rank || (axis == rank && !rankIncluded))
        {
            Refuse($"axis {given} is outside the input's {rank} axes");
            return null;
        }

        return axis;
    }

    /// <summary>Whether the node sets attribute <paramref name="name"/>, whatever its value.</summary>
    public bool Has(string name) => Value(name) is not null;

    /// <summary>The integers held by a 1-D integer input (axes, shapes, starts): copied to the CPU.</summary>
    public static long[] Longs(Tensor values)
    {
        // Both handles are freed here: the conversion is not left to the caller's dispose scope until it ends.
        using var converted = values.to(int64, CPU);
        using var cpu = converted.flatten();
        return cpu.data<long>().ToArray();
    }

    /// <summary><paramref name="axis"/> counted from the front for a tensor of <paramref name="rank"/> axes (ONNX allows -rank..rank-1).</summary>
    public static long Axis(long axis, long rank) => axis < 0 ? axis + rank : axis;

    private object? Value(string name) =>
        _attributes is not null && _attributes.TryGetValue(name, out var value) ? value : null;
}
