using System.Security.Cryptography;

namespace EdgeAgent.Agent.Deployment;

/// <summary>
/// Fetches an artifact named by URL (https://, http://, file://) into a part file next to its
/// destination, reporting progress, and moves it into place only when its sha256 matches.
/// </summary>
public sealed class ArtifactDownloader(HttpClient http)
{
    public async Task DownloadAsync(string url, string destination, string sha256, Action<int> progressPercent, CancellationToken cancellationToken)
    {
        var uri = new Uri(url);
        string part = destination + ".part";
        Stream source;
        long? length;
        HttpResponseMessage? response = null;
        if (uri.IsFile)
        {
            if (!File.Exists(uri.LocalPath)) throw new DeploymentException($"artifact '{url}' does not exist");
            source = new FileStream(uri.LocalPath, FileMode.Open, FileAccess.Read, FileShare.Read);
            length = source.Length;
        }
        else
        {
            try
            {
                response = await http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                throw new DeploymentException($"download of '{url}' failed: {e.Message}");
            }
            if (!response.IsSuccessStatusCode) throw new DeploymentException($"download of '{url}' failed: HTTP {(int)response.StatusCode}");
            length = response.Content.Headers.ContentLength;
            source = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        }
        using (response)
        await using (source.ConfigureAwait(false))
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using (var target = new FileStream(part, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                var buffer = new byte[1 << 16];
                long done = 0;
                int lastPercent = -1;
                int read;
                while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    hash.AppendData(buffer, 0, read);
                    done += read;
                    int percent = length is > 0 ? (int)(done * 100 / length.Value) : 0;
                    if (percent / 10 != lastPercent / 10)
                    {
                        lastPercent = percent;
                        progressPercent(percent);
                    }
                }
                target.Flush(flushToDisk: true);
            }
            string actual = Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
            if (actual != sha256)
            {
                File.Delete(part);
                throw new DeploymentException($"artifact sha256 is {actual}, expected {sha256}");
            }
        }
        File.Move(part, destination, overwrite: true);
    }

    public static string Sha256Of(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }
}
