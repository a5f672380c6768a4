using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;

namespace Dendritic.Cuda;

/// <summary>
/// A value made at most once per key at a time, by the first caller that asks for it; callers for the same key wait
/// for that one, callers for other keys do not. A creation that throws is not kept: its callers get the exception,
/// and the next call creates again.
/// </summary>
/// <remarks>
/// <see cref="ConcurrentDictionary{TKey, TValue}.GetOrAdd(TKey, Func{TKey, TValue})"/> alone may run its factory on
/// several threads and keep one result, which is wrong when making a value has an effect (a retained context, a loaded
/// module); a <see cref="Lazy{T}"/> per key in <see cref="LazyThreadSafetyMode.ExecutionAndPublication"/> runs it once,
/// under a lock of that key's own.
/// </remarks>
internal sealed class OncePerKey<TKey, TValue>
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Lazy<TValue>> _values = new();

    /// <summary>The value for <paramref name="key"/>, made by <paramref name="create"/>(key) on first use.</summary>
    public TValue Get(TKey key, Func<TKey, TValue> create) => Get(key, create, static (k, c) => c(k));

    /// <summary>The value for <paramref name="key"/>, made by <paramref name="create"/>(key, <paramref name="state"/>) on first use.</summary>
    /// <remarks><paramref name="state"/> carries what <paramref name="create"/> needs, so that a lookup allocates nothing.</remarks>
    public TValue Get<TState>(TKey key, TState state, Func<TKey, TState, TValue> create)
    {
        var lazy = _values.GetOrAdd(key, static (k, args) => new Lazy<TValue>(() => args.Create(k, args.State), LazyThreadSafetyMode.ExecutionAndPublication), (Create: create, State: state));
        try
        {
            return lazy.Value;
        }
        catch
        {
            // The Lazy keeps the exception for good; drop it (only if no retry has replaced it yet) so the next call retries.
            _values.TryRemove(new KeyValuePair<TKey, Lazy<TValue>>(key, lazy));
            throw;
        }
    }
}
