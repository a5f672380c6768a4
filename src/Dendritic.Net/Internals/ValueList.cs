using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Linq;

namespace Dendritic;

/// <summary>
/// The read-only copy of a list that an options record keeps, taken in the property's <c>init</c> accessor. Options
/// are validated once and read later (a scheduler's thresholds at every <see cref="GrowthScheduler.Step"/>): holding
/// the caller's own list would let a later change to it (a <c>Clear()</c>) break the options after validation. Equal
/// to any other copy with equal elements in the same order, so that a record holding one keeps value equality (two
/// options built from the same values are equal, as they were while both held the caller's list).
/// </summary>
/// <typeparam name="T">The element type; elements are compared with <see cref="EqualityComparer{T}.Default"/>.</typeparam>
internal sealed class ValueList<T> : IReadOnlyList<T>, IEquatable<ValueList<T>>
{
    private readonly T[] _items;

    private ValueList(T[] items) => _items = items;

    /// <summary>The empty list, for defaults.</summary>
    public static ValueList<T> Empty { get; } = new(Array.Empty<T>());

    /// <inheritdoc />
    public int Count => _items.Length;

    /// <inheritdoc />
    public T this[int index] => _items[index];

    /// <summary>
    /// A copy of <paramref name="items"/> (enumerated now), or <paramref name="items"/> itself when it is a copy
    /// already; null for null, which the options' <c>Validate</c> reports where null is not allowed.
    /// </summary>
    /// <param name="items">The caller's list, or null.</param>
    /// <returns>The copy, or null.</returns>
    [return: NotNullIfNotNull(nameof(items))]
    public static ValueList<T>? CopyOf(IEnumerable<T>? items) => items switch
    {
        null => null,
        ValueList<T> copy => copy,
        _ => new ValueList<T>(items.ToArray()),
    };

    /// <inheritdoc />
    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)_items).GetEnumerator();

    /// <inheritdoc />
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc />
    public bool Equals(ValueList<T>? other) =>
        other is not null && (ReferenceEquals(this, other) || _items.AsSpan().SequenceEqual(other._items, EqualityComparer<T>.Default));

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ValueList<T>);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (var item in _items)
        {
            hash.Add(item);
        }

        return hash.ToHashCode();
    }

    /// <summary>The elements in brackets, as a record's <c>ToString</c> shows the property: <c>[0.001, 0.0001, 0]</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => "[" + string.Join(", ", _items.Select(i => i is IFormattable f ? f.ToString(null, System.Globalization.CultureInfo.InvariantCulture) : i?.ToString())) + "]";
}
