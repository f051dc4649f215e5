// SPDX-License-Identifier: GPL-2.0

#include <crypto/internal/skcipher.h>
#include <crypto/xts.h>

__rust_helper void *rust_helper_crypto_skcipher_ctx(struct crypto_skcipher *tfm)
{
	return crypto_skcipher_ctx(tfm);
}

__rust_helper unsigned int
rust_helper_crypto_skcipher_ivsize(struct crypto_skcipher *tfm)
{
	return crypto_skcipher_ivsize(tfm);
}

__rust_helper unsigned int
rust_helper_crypto_skcipher_blocksize(struct crypto_skcipher *tfm)
{
	return crypto_skcipher_blocksize(tfm);
}

__rust_helper struct crypto_skcipher *
rust_helper_crypto_skcipher_reqtfm(struct skcipher_request *req)
{
	return crypto_skcipher_reqtfm(req);
}

__rust_helper int rust_helper___xts_verify_key(const u8 *key, size_t keylen,
					       int flags)
{
	return __xts_verify_key(key, keylen, flags);
}

__rust_helper void *rust_helper_sg_virt(struct scatterlist *sg)
{
	return sg_virt(sg);
}
