// The seed's huggingface.js snippet, pointed at a chatcanvas server: node text_to_image.mjs ENDPOINT_URL TOKEN OUT.png
import { writeFile } from "node:fs/promises";
import { textToImage } from "@huggingface/inference";

const [endpointUrl, accessToken, out] = process.argv.slice(2);
try {
  const image = await textToImage({
    endpointUrl,
    accessToken,
    inputs: "a red circle in the middle",
    parameters: { negative_prompt: "blurry", width: 32, height: 32, num_inference_steps: 2, seed: 7 },
  });
  await writeFile(out, Buffer.from(await image.arrayBuffer()));
  console.log(JSON.stringify({ type: image.type, size: image.size }));
} catch (error) {
  console.log(JSON.stringify({ error: error.message }));
  process.exitCode = 1;
}
