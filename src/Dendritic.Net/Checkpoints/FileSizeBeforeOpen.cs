using System.IO;

namespace Dendritic;

/// <summary>
/// The size of a checkpoint, or of a file beside one, found before the file is opened. A name may hold something other
/// than a file (a shared archive can carry anything): opening a FIFO for reading blocks until a writer comes (for ever,
/// in a Load or a Resume), a device such as <c>/dev/zero</c> reads without end, and a directory does not open. The
/// callers open a file only when its size is one they expect, which is never 0; stat gives a FIFO, socket or device
/// the size 0, so none of them is opened.
/// </summary>
internal static class FileSizeBeforeOpen
{
    /// <summary>
    /// The size in bytes of what <paramref name="path"/> names, symbolic links followed (as opening the path follows
    /// them; <see cref="FileInfo.Length"/> of a link is the link's own size); null when no file is there: nothing, a
    /// directory, a link to nothing or a link loop. A FIFO, socket or device is 0 bytes.
    /// </summary>
    public static long? Of(string path)
    {
        var info = new FileInfo(path);
        try
        {
            if (info.LinkTarget is not null)
            {
                info = info.ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? info;
            }

            return info.Exists ? info.Length : null;
        }
        catch (IOException)
        {
            // A link loop (ELOOP), or the file going away between the two looks: no file to open either way.
            return null;
        }
    }
}
