using System;
using System.IO;
using System.Security.Cryptography;

namespace Dendritic;

/// <summary>
/// Passes bytes through to or from an inner stream while computing their SHA-256 (and, when asked, their CRC-32) and
/// counting them, so a checkpoint entry is hashed as it streams instead of being held in memory. Reading stops at
/// <see cref="Limit"/>: a file cannot make the reader consume more than it declared.
/// </summary>
internal sealed class DigestStream : Stream
{
    private readonly Stream _inner;
    private readonly bool _writing;
    private readonly bool _ownsInner;
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    // Only a zip entry's check needs it; computed a byte at a time, it costs more than the SHA-256.
    private readonly Crc32? _crc;

    public DigestStream(Stream inner, bool writing, long limit = long.MaxValue, bool crc = false, bool ownsInner = false)
    {
        _inner = inner;
        _writing = writing;
        _ownsInner = ownsInner;
        Limit = limit;
        _crc = crc ? new Crc32() : null;
    }

    /// <summary>Bytes passed through so far.</summary>
    public long Count { get; private set; }

    /// <summary>Most bytes a read may pass through.</summary>
    public long Limit { get; }

    /// <summary>The CRC-32 of everything passed through; only for a stream created with <c>crc: true</c>.</summary>
    public uint Crc => (_crc ?? throw new InvalidOperationException("This DigestStream was created without a CRC-32.")).Value;

    public override bool CanRead => !_writing;

    public override bool CanSeek => false;

    public override bool CanWrite => _writing;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => Count;
        set => throw new NotSupportedException();
    }

    /// <summary>The lower-case hex SHA-256 of everything passed through; call once, at the end.</summary>
    public string Sha256Hex() => Convert.ToHexStringLower(_sha.GetHashAndReset());

    /// <summary>Adds bytes that did not pass through (read before, or to be hashed as changed) as if they had.</summary>
    public void Include(ReadOnlySpan<byte> data) => Observe(data);

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var allowed = (int)Math.Min(buffer.Length, Limit - Count);
        if (allowed <= 0)
        {
            return 0;
        }

        var read = _inner.Read(buffer[..allowed]);
        Observe(buffer[..read]);
        return read;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _inner.Write(buffer);
        Observe(buffer);
    }

    public override void Flush() => _inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _sha.Dispose();
            if (_ownsInner)
            {
                _inner.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    private void Observe(ReadOnlySpan<byte> data)
    {
        _sha.AppendData(data);
        _crc?.Append(data);
        Count += data.Length;
    }
}
