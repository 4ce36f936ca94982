"""Row locks for products, versions and listings. Evaluate what these return, or they lock nothing.

Order: product, then version, then listing, then review rows.
"""

from listings.models import Listing, Product, ProductVersion, Review


def lock_product(product_id: int) -> Product:
    return Product.objects.select_for_update(of=("self",)).order_by("pk").get(pk=product_id)


def lock_version(version_id: int) -> ProductVersion:
    return ProductVersion.objects.select_for_update(of=("self",)).order_by("pk").get(pk=version_id)


def lock_version_status(version_id: int) -> str:
    """Lock a version's row and read only its status (for a caller that holds the rest)."""
    return (
        ProductVersion.objects.select_for_update(of=("self",))
        .values_list("status", flat=True)
        .get(pk=version_id)
    )


def lock_listing(listing_id: int) -> Listing:
    return Listing.objects.select_for_update(of=("self",)).order_by("pk").get(pk=listing_id)


def lock_review(review_id: int) -> Review:
    return Review.objects.select_for_update(of=("self",)).order_by("pk").get(pk=review_id)
